// Node: the module is loaded on import, from the .wasm in this package, so
// every function works at once. Adds systemResolver(), Node's own DNS.
import { readFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';

import { initSync, NODATA, NXDOMAIN, TEMPERROR, InvalidArgumentError } from './core.js';
import * as core from './core.js';

initSync(readFileSync(new URL('../dist/spfkit_wasm_bg.wasm', import.meta.url)));

export * from './core.js';

const METHODS = { A: 'resolve4', AAAA: 'resolve6', MX: 'resolveMx', TXT: 'resolveTxt', PTR: 'resolvePtr' };

/**
 * A resolver on Node's own DNS (c-ares, the system's servers unless
 * `servers` is given): { servers, timeout (ms per try, 5000), tries }.
 */
export function systemResolver(options = {}) {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options must be an object');
  const r = new Resolver({ timeout: options.timeout ?? 5000, tries: options.tries ?? 2 });
  if (options.servers !== undefined) r.setServers(options.servers);
  return async function resolve(name, type) {
    const method = METHODS[type];
    if (!method) return TEMPERROR;
    try {
      return await r[method](name);
    } catch (e) {
      if (e && e.code === 'ENOTFOUND') return NXDOMAIN;
      if (e && e.code === 'ENODATA') return NODATA;
      return TEMPERROR;
    }
  };
}

function withSystemResolver(options) {
  if (options !== undefined && options !== null && typeof options === 'object' && options.resolver === undefined) {
    return { ...options, resolver: systemResolver() };
  }
  return options === undefined || options === null ? { resolver: systemResolver() } : options;
}

/** As core's check(); Node's own DNS when no resolver is given. */
export function check(ip, sender, helo, options) {
  return core.check(ip, sender, helo, withSystemResolver(options));
}

/** As core's checkHost(); Node's own DNS when no resolver is given. */
export function checkHost(ip, sender, helo, options) {
  return core.checkHost(ip, sender, helo, withSystemResolver(options));
}

/** As core's analyze(); Node's own DNS when no resolver is given. */
export function analyze(domain, options) {
  return core.analyze(domain, withSystemResolver(options));
}
