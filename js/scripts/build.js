// Builds the package's WebAssembly from the Rust sources: cargo (profile
// `wasm`), wasm-bindgen --target web (pinned to the crate's 0.2.130), then
// npm's binaryen wasm-opt -Oz; twice, with the receiver policy
// (dist/spfkit_wasm_policy_bg.wasm, and the JS glue) and without
// (dist/spfkit_wasm_bg.wasm). Checks that neither module imports anything
// from "env" (they must run where no C runtime exists) and that the glue
// fits the module without the policy, prints their sizes and fails above
// the size budgets (150 KiB gzipped without the policy, 200 KiB with).
//
//   npm run build            from js/
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const js = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(js, '..');
const dist = join(js, 'dist');

function run(cmd, args, cwd = root) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd, stdio: 'inherit' });
}

// Twice: with the receiver policy (bindings/wasm's default feature
// `policy`), whose JS glue serves both, and without it, the module a
// record-testing page or an edge worker downloads by default.
const built = join(root, 'target/wasm32-unknown-unknown/wasm/spfkit_wasm.wasm');
const wasmOpt = join(js, 'node_modules/.bin/wasm-opt');
if (!existsSync(wasmOpt)) throw new Error('wasm-opt missing: run `npm install` in js/ (binaryen is a devDependency)');
function build(features, out) {
  run('cargo', ['build', '-j2', '--profile', 'wasm', '-p', 'spfkit-wasm', '--target', 'wasm32-unknown-unknown', ...features]);
  run('wasm-bindgen', ['--target', 'web', '--out-dir', out, '--out-name', 'spfkit_wasm', built]);
  const wasm = join(out, 'spfkit_wasm_bg.wasm');
  run(wasmOpt, [
    '-Oz', '--strip-debug', '--strip-producers',
    '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals',
    wasm, '-o', wasm,
  ]);
  return wasm;
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
const withPolicy = join(dist, 'spfkit_wasm_policy_bg.wasm');
renameSync(build([], dist), withPolicy);
const scratch = join(dist, 'without-policy');
const wasm = join(dist, 'spfkit_wasm_bg.wasm');
renameSync(build(['--no-default-features'], scratch), wasm);
rmSync(scratch, { recursive: true, force: true });

// Issue 7's budget: what a record-testing page or an edge worker downloads.
// The module with the policy, for Node MTAs and hosts that ask for it, has
// its own, so that it does not grow unnoticed either.
const BUDGETS = [[wasm, 150 * 1024], [withPolicy, 200 * 1024]];
const modules = {};
for (const [file, budget] of BUDGETS) {
  const bytes = readFileSync(file);
  const module = new WebAssembly.Module(bytes);
  const imports = WebAssembly.Module.imports(module);
  const fromEnv = imports.filter((i) => i.module === 'env');
  if (fromEnv.length) {
    throw new Error(`${basename(file)} imports from "env": ${fromEnv.map((i) => i.name).join(', ')}`);
  }
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`${basename(file)}: ${statSync(file).size} bytes, ${gz} gzip; imports ${imports.length}, none from "env"`);
  if (gz > budget) {
    throw new Error(`${basename(file)} is ${gz} bytes gzipped, over the ${budget}-byte budget (scripts/build.js)`);
  }
  modules[file] = {
    imports: new Set(imports.map((i) => `${i.module} ${i.name}`)),
    exports: new Set(WebAssembly.Module.exports(module).map((e) => e.name)),
  };
}
// One glue for both: it must give the module without the policy every
// import, and find there every export it calls but the policy classes'.
const small = modules[wasm];
const full = modules[withPolicy];
const missing = [...small.imports].filter((i) => !full.imports.has(i));
const glue = readFileSync(join(dist, 'spfkit_wasm.js'), 'utf8');
const called = new Set([...glue.matchAll(/\bwasm\.(\w+)/g)].map((m) => m[1]));
const absent = [...called].filter((e) => !small.exports.has(e) && !/^(__wbg_)?policy/.test(e));
if (missing.length || absent.length) {
  throw new Error(`the JS glue does not fit spfkit_wasm_bg.wasm: imports ${missing.join(', ')}; exports ${absent.join(', ')}`);
}
