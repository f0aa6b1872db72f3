// The RFC 7208 suite inside a Web Worker: the module compiled here and
// handed to initSync(), as an edge worker does, then all 203 cases through
// checkHost(). Paths are the browser test's server's (server.js).
import { checkHost, initSync, version } from '/src/web.js';
import { OPTIONS, casesOf, verdict } from '/test/suite_cases.js';

self.onmessage = async () => {
  try {
    const module = await WebAssembly.compileStreaming(fetch('/dist/spfkit_wasm_bg.wasm'));
    initSync(module);
    const scenarios = await (await fetch('/suite/rfc7208-tests.json')).json();
    const cases = casesOf(scenarios);
    const failed = [];
    for (const [name, c, zone] of cases) {
      const outcome = await checkHost(c.host, c.mailfrom, c.helo, { ...OPTIONS, resolver: async (n, t) => zone(n, t) });
      if (!verdict(name, c, outcome)) failed.push(`${name}: ${outcome.result} ${outcome.explanation}, want ${c.result}`);
    }
    const inWorker = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope && typeof document === 'undefined';
    self.postMessage({ ran: cases.length, failed, inWorker, version: version() });
  } catch (e) {
    self.postMessage({ error: String((e && e.stack) || e) });
  }
};
