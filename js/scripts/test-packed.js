// The tests as a user meets the package: `npm pack`, installed into a
// fresh project in a temporary directory, the tests copied there and run
// with `node --test` against the installed `spfkit`.
//
//   npm run build && npm run test:packed        from js/
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const js = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'spfkit-js-'));
const sh = (cmd, args, cwd, env) => execFileSync(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
try {
  sh('npm', ['pack', '--silent', '--pack-destination', work], js);
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  const project = join(work, 'project');
  cpSync(join(js, 'test'), join(project, 'test'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-spfkit', private: true, type: 'module' }));
  sh('npm', ['install', '--silent', '--no-audit', '--no-fund', join(work, tarball)], project);
  const tests = readdirSync(join(project, 'test')).filter((f) => f.endsWith('.test.js')).map((f) => join('test', f));
  // SPFKIT_JUNIT names a file for a JUnit report beside the spec output:
  // what CI counts (.ci/counts.py), not the wording of printed lines.
  const junit = process.env.SPFKIT_JUNIT
    ? ['--test-reporter=junit', `--test-reporter-destination=${process.env.SPFKIT_JUNIT}`]
    : [];
  const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout', ...junit];
  sh(process.execPath, ['--test', ...reporters, ...tests], project, { SPFKIT_REPO: join(js, '..'), SPFKIT_PACKED: '1' });
} finally {
  rmSync(work, { recursive: true, force: true });
}
