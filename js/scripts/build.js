// Builds the package's WebAssembly from the Rust sources: cargo (profile
// `wasm`), wasm-bindgen --target web (pinned to the crate's 0.2.130), then
// npm's binaryen wasm-opt -Oz. Checks that the module imports nothing from
// "env" (it must run where no C runtime exists), prints its size and fails
// above the size budget (150 KiB gzipped).
//
//   npm run build            from js/
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const js = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(js, '..');
const dist = join(js, 'dist');

function run(cmd, args, cwd = root) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd, stdio: 'inherit' });
}

run('cargo', ['build', '-j2', '--profile', 'wasm', '-p', 'spfkit-wasm', '--target', 'wasm32-unknown-unknown']);
const built = join(root, 'target/wasm32-unknown-unknown/wasm/spfkit_wasm.wasm');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
run('wasm-bindgen', ['--target', 'web', '--out-dir', dist, '--out-name', 'spfkit_wasm', built]);
const wasm = join(dist, 'spfkit_wasm_bg.wasm');
const wasmOpt = join(js, 'node_modules/.bin/wasm-opt');
if (!existsSync(wasmOpt)) throw new Error('wasm-opt missing: run `npm install` in js/ (binaryen is a devDependency)');
run(wasmOpt, [
  '-Oz', '--strip-debug', '--strip-producers',
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals',
  wasm, '-o', wasm,
]);

const bytes = readFileSync(wasm);
const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
const fromEnv = imports.filter((i) => i.module === 'env');
if (fromEnv.length) {
  throw new Error(`the module imports from "env": ${fromEnv.map((i) => i.name).join(', ')}`);
}
const gz = gzipSync(bytes, { level: 9 }).length;
console.log(`spfkit_wasm_bg.wasm: ${statSync(wasm).size} bytes, ${gz} gzip; imports ${imports.length}, none from "env"`);
// Issue 7's budget: what a record-testing page or an edge worker downloads.
const BUDGET = 150 * 1024;
if (gz > BUDGET) {
  throw new Error(`spfkit_wasm_bg.wasm is ${gz} bytes gzipped, over the ${BUDGET}-byte budget (scripts/build.js)`);
}
