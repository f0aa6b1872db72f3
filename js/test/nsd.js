// A real DNS server for the tests: NSD on 127.0.0.1 serving the
// repository's zone files, through tests/dns/serve.py (which the Python
// tests use too). It stops when its standard input closes, so it dies
// with the test process.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Starts NSD on the zone files; resolves to { port, stop() }. */
export async function startNsd(repo, zoneFiles) {
  const child = spawn('python3', [join(repo, 'tests/dns/serve.py'), ...zoneFiles], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((_, reject) => {
    child.once('exit', (code) => reject(new Error(`tests/dns/serve.py exited with ${code} (is NSD installed?)`)));
    child.once('error', (e) => reject(new Error(`cannot run tests/dns/serve.py: ${e.message}`)));
  });
  const line = await Promise.race([createInterface({ input: child.stdout })[Symbol.asyncIterator]().next(), exited]);
  const port = Number(line.value);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`serve.py printed ${JSON.stringify(line.value)}, not a port`);
  exited.catch(() => {});
  return {
    port,
    // Closing its input stops it; a kill if it has not gone in 15 s.
    stop: () => new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const kill = setTimeout(() => child.kill('SIGKILL'), 15000);
      child.once('exit', () => {
        clearTimeout(kill);
        done();
      });
      child.stdin.end();
    }),
  };
}
