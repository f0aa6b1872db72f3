// What the browser test serves on 127.0.0.1: the installed package's files
// (the record tester is /page/), the test's own files under /test/, the
// conformance suite under /suite/, and DNS over HTTPS (RFC 8484, POST and
// GET) at /dns-query, each message relayed over TCP to a real DNS server
// (NSD, started by ../nsd.js on the test's zone files).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

/** One DNS message over TCP (RFC 1035 §4.2.2: two length bytes first). */
function askTcp(port, message) {
  return new Promise((resolveAnswer, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks = [];
    socket.setTimeout(5000, () => socket.destroy(new Error('DNS over TCP timed out')));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.end(Buffer.concat([length, message]));
    });
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      if (all.length < 2 || all.readUInt16BE(0) !== all.length - 2) reject(new Error('short DNS answer over TCP'));
      else resolveAnswer(all.subarray(2));
    });
  });
}

/**
 * Serves `mounts` ({ '/prefix/': directory }, longest prefix first) and
 * /dns-query relayed to the DNS server at `dnsPort`; resolves to
 * { origin, queries (what /dns-query was asked, as [method, bytes]), close() }.
 */
export async function startServer(mounts, dnsPort) {
  const queries = [];
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      if (url.pathname === '/dns-query') {
        let message;
        if (req.method === 'POST') {
          const chunks = [];
          for await (const c of req) chunks.push(c);
          message = Buffer.concat(chunks);
          if (req.headers['content-type'] !== 'application/dns-message') return res.writeHead(415).end();
        } else {
          message = Buffer.from(url.searchParams.get('dns') || '', 'base64url');
        }
        if (message.length < 12) return res.writeHead(400).end();
        queries.push([req.method, message]);
        const answer = await askTcp(dnsPort, message);
        return res.writeHead(200, { 'content-type': 'application/dns-message', 'cache-control': 'no-store' }).end(answer);
      }
      const prefix = prefixes.find((p) => url.pathname.startsWith(p));
      if (!prefix) return res.writeHead(404).end();
      const root = resolve(mounts[prefix]);
      let path = resolve(root, `.${decodeURIComponent(url.pathname.slice(prefix.length - 1))}`);
      if (path !== root && !path.startsWith(root + sep)) return res.writeHead(403).end();
      if (url.pathname.endsWith('/')) path = join(path, 'index.html');
      const body = await readFile(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] || 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch (e) {
      if (!res.headersSent) res.writeHead(e.code === 'ENOENT' || e.code === 'EISDIR' ? 404 : 502).end(String(e.message));
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    queries,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
  };
}
