// Node: the module is loaded on import, from the .wasm in this package
// (the one with the receiver policy), so every function works at once.
// Adds systemResolver(): DNS over UDP and TCP, the same wire format as the
// spfkit command.
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { getServers } from 'node:dns';
import { readFileSync } from 'node:fs';
import { connect, isIP } from 'node:net';

import { initSync, dnsQuery, InvalidArgumentError, NXDOMAIN, TEMPERROR } from './core.js';
import * as core from './core.js';

// The module with the receiver policy (Policy): its size matters little here.
initSync(readFileSync(new URL('../dist/spfkit_wasm_policy_bg.wasm', import.meta.url)));

export * from './core.js';

/** "addr", "addr:port" or "[v6]:port" as { host, port, family }. */
function serverOf(s) {
  let host = s;
  let port = '53';
  const bracketed = typeof s === 'string' ? /^\[([^\]]+)\](?::(\d+))?$/.exec(s) : null;
  if (bracketed) {
    host = bracketed[1];
    port = bracketed[2] ?? port;
  } else if (typeof s === 'string' && isIP(s) === 0) {
    const m = /^([^:]+):(\d+)$/.exec(s);
    if (m) [, host, port] = m;
  }
  const family = typeof host === 'string' ? isIP(host) : 0;
  if (family === 0 || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    const shown = typeof s === 'string' ? JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s) : typeof s;
    throw new InvalidArgumentError(`servers: ${shown} is no IP address, "addr:port" or "[v6]:port"`);
  }
  return { host, port: Number(port), family };
}

/** The reply to `message` (id `id`) over UDP from `server`, or null. */
function overUdp(server, message, id, timeout) {
  return new Promise((resolve) => {
    const socket = createSocket(server.family === 6 ? 'udp6' : 'udp4');
    let timer;
    let done = false;
    const finish = (reply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    timer = setTimeout(() => finish(null), timeout);
    socket.on('error', () => finish(null)); // ICMP unreachable on a connected socket, among others
    socket.on('message', (m, from) => {
      // The socket is connected, so only the server's address gets here;
      // the port and the id must match, and it must be a response.
      if (from.port !== server.port || m.length < 12 || m.readUInt16BE(0) !== id || !(m[2] & 0x80)) return;
      finish(new Uint8Array(m));
    });
    socket.connect(server.port, server.host, (err) => {
      if (err) return finish(null);
      socket.send(message, (e) => e && finish(null));
    });
  });
}

/** The reply over TCP (RFC 1035 §4.2.2, a 2-byte length first), or null. */
function overTcp(server, message, id, timeout) {
  return new Promise((resolve) => {
    const socket = connect({ host: server.host, port: server.port });
    let timer;
    let done = false;
    let got = Buffer.alloc(0);
    const finish = (reply) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    timer = setTimeout(() => finish(null), timeout);
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(message.length);
      socket.write(Buffer.concat([length, message]));
    });
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 2) return;
      const size = got.readUInt16BE(0);
      if (got.length < 2 + size) return;
      const reply = got.subarray(2, 2 + size);
      finish(reply.length >= 12 && reply.readUInt16BE(0) === id && reply[2] & 0x80 ? new Uint8Array(reply) : null);
    });
  });
}

function whole(v, name, min, max, fallback) {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, not ${typeof v === 'number' ? v : typeof v}`);
  }
  return v;
}

/**
 * A resolver on the system's DNS servers (or `servers`), speaking DNS
 * itself as the spfkit command does: each query as an RFC 1035 message
 * over UDP, again over TCP when the reply is truncated, the reply's bytes
 * decoded by the core (so a truncated reply over TCP and a CNAME loop are
 * temperror). Options: `servers`, addresses as "192.0.2.53",
 * "192.0.2.53:5353", "2001:db8::53" or "[2001:db8::53]:5353" (Node's
 * dns.getServers() by default), asked in turn; `timeout`, milliseconds per
 * try (5000); `tries` over all servers (2). No reply in time, or a network
 * error, is TEMPERROR.
 */
export function systemResolver(options = {}) {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options must be an object');
  let o;
  try {
    o = { servers: options.servers, timeout: options.timeout, tries: options.tries };
  } catch {
    throw new InvalidArgumentError('options could not be read (a getter threw)');
  }
  let list = o.servers ?? getServers();
  try {
    list = Array.isArray(list) ? Array.from(list) : null;
  } catch {
    list = null;
  }
  if (list === null) throw new InvalidArgumentError('servers must be an array of addresses');
  const servers = list.map(serverOf);
  const timeout = whole(o.timeout, 'timeout', 1, 2 ** 31 - 1, 5000);
  const tries = whole(o.tries, 'tries', 1, 100, 2);
  return async function resolve(name, type) {
    let message;
    try {
      message = dnsQuery(name, type, 0);
    } catch {
      // A name that cannot be put in a message cannot exist.
      return NXDOMAIN;
    }
    for (let t = 0; t < tries; t++) {
      for (const server of servers) {
        const id = randomInt(0, 0x10000);
        message[0] = id >> 8;
        message[1] = id & 0xff;
        let reply = await overUdp(server, message, id, timeout);
        // Truncated (TC): the whole answer over TCP; truncated there too,
        // the core's decoder makes it temperror.
        if (reply !== null && reply[2] & 0x02) reply = await overTcp(server, message, id, timeout);
        if (reply !== null) return reply;
      }
    }
    return TEMPERROR;
  };
}

function withSystemResolver(options) {
  if (options === undefined || options === null) return { resolver: systemResolver() };
  try {
    if (typeof options === 'object' && !Array.isArray(options) && options.resolver === undefined) {
      return { ...options, resolver: systemResolver() };
    }
  } catch {
    // Unreadable options: core's own reading of them says what is wrong.
  }
  return options;
}

/** As core's check(); the system's DNS servers when no resolver is given. */
export function check(ip, sender, helo, options) {
  return core.check(ip, sender, helo, withSystemResolver(options));
}

/** As core's checkHost(); the system's DNS servers when no resolver is given. */
export function checkHost(ip, sender, helo, options) {
  return core.checkHost(ip, sender, helo, withSystemResolver(options));
}

/** As core's analyze(); the system's DNS servers when no resolver is given. */
export function analyze(domain, options) {
  return core.analyze(domain, withSystemResolver(options));
}

/** As core's Policy; the system's DNS servers when no resolver is given. */
export class Policy extends core.Policy {
  constructor(settings, options) {
    super(settings, withSystemResolver(options));
  }
}
