// spfkit's JavaScript API over the WebAssembly core (dist/, built by
// scripts/build.js from bindings/wasm). The same module serves Node
// (node.js), browsers and workers (web.js): only how the .wasm is loaded
// differs.

import initWasm, {
  initSync as initWasmSync,
  Analysis as WasmAnalysis,
  checkDomain as wasmCheckDomain,
  Evaluation as WasmEvaluation,
  parseRecord as wasmParseRecord,
  queryMessage,
  version as wasmVersion,
} from '../dist/spfkit_wasm.js';

/** The name does not exist (RCODE 3). */
export const NXDOMAIN = 'NXDOMAIN';
/** The name exists without records of the type asked. */
export const NODATA = 'NODATA';
/** The lookup failed (timeout, SERVFAIL, network): temperror. */
export const TEMPERROR = 'TEMPERROR';

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Every error spfkit throws; `code` says which. */
export class SpfError extends Error {
  constructor(message, code, options) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument of the wrong type or value. */
export class InvalidArgumentError extends SpfError {
  constructor(message, code = 'invalid-argument') {
    super(message, code);
  }
}

/** The client address is not an IP address. */
export class InvalidAddressError extends InvalidArgumentError {
  constructor(message) {
    super(message, 'invalid-address');
  }
}

/** A resolver gave a value that is not an answer (see the README). */
export class ResolverError extends SpfError {
  constructor(message) {
    super(message, 'resolver');
  }
}

/** An answer to a query that was not handed out, or answered twice. */
export class AnswerError extends SpfError {
  constructor(message) {
    super(message, 'answer');
  }
}

/** A record that does not parse; `start`/`end` are string indices. */
export class RecordSyntaxError extends SpfError {
  constructor(message, { kind, term, start, end }) {
    super(message, 'syntax');
    this.kind = kind;
    this.term = term;
    this.start = start;
    this.end = end;
  }
}

/** The module could not be loaded, or failed inside (a bug). */
export class InternalError extends SpfError {
  constructor(message, options) {
    super(message, 'internal', options);
  }
}

/** Turns what the WebAssembly side threw into the package's own class. */
function rethrown(e) {
  if (e instanceof SpfError) return e;
  if (e instanceof Error && typeof e.code === 'string') {
    switch (e.code) {
      case 'invalid-argument':
        return new InvalidArgumentError(e.message);
      case 'invalid-address':
        return new InvalidAddressError(e.message);
      case 'resolver':
        return new ResolverError(e.message);
      case 'answer':
        return new AnswerError(e.message);
      case 'syntax':
        return new RecordSyntaxError(e.message, e);
    }
  }
  // A trap (WebAssembly.RuntimeError) or anything else: a bug of ours.
  return new InternalError(`internal error in spfkit (a bug): ${e && e.message}`, { cause: e });
}

function guarded(f) {
  try {
    return f();
  } catch (e) {
    throw rethrown(e);
  }
}

// ---------------------------------------------------------------------------
// Loading the module
// ---------------------------------------------------------------------------

let loaded = false;
let loading = null;

/**
 * Loads the WebAssembly module. `source` may be a WebAssembly.Module (edge
 * workers hand one over), the .wasm bytes, a URL or a Response; without it
 * the .wasm beside this package is fetched. Node loads it on import.
 */
export async function init(source) {
  if (loaded) return;
  if (!loading) {
    loading = (async () => {
      try {
        await initWasm(source === undefined ? undefined : { module_or_path: source });
        loaded = true;
      } catch (e) {
        loading = null;
        throw new InternalError(`could not load spfkit's WebAssembly: ${e && e.message}`, { cause: e });
      }
    })();
  }
  return loading;
}

/** As init(), synchronously, from a WebAssembly.Module or the bytes. */
export function initSync(source) {
  if (loaded) return;
  try {
    initWasmSync({ module: source });
    loaded = true;
  } catch (e) {
    throw new InternalError(`could not load spfkit's WebAssembly: ${e && e.message}`, { cause: e });
  }
}

function needLoaded() {
  if (!loaded) {
    throw new InternalError('spfkit is not loaded yet: `await init()` first (Node loads it on import)');
  }
}

/** The version of the Rust core inside. */
export function version() {
  needLoaded();
  return wasmVersion();
}

// ---------------------------------------------------------------------------
// The step API
// ---------------------------------------------------------------------------

function queryId(query) {
  const id = typeof query === 'object' && query !== null ? query.id : query;
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new InvalidArgumentError('answer() takes a query ({ id, name, type }) or its id');
  }
  return id;
}

function optionsArg(options, known) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgumentError('options must be an object');
  }
  // A misspelt option would otherwise be ignored without a word.
  if (known) {
    for (const k of Object.keys(options)) {
      if (!known.includes(k)) throw new InvalidArgumentError(`unknown option ${JSON.stringify(k)}; known: ${known.join(', ')}`);
    }
  }
  return options;
}

const EVALUATION_OPTIONS = [
  'identity', 'plan', 'receiver', 'limits', 'defaultExplanation', 'trace', 'alwaysMailFrom', 'definitive', 'timestamp',
];
const CHECK_OPTIONS = [...EVALUATION_OPTIONS, 'resolver', 'timeout', 'authservId'];
const ANALYSIS_OPTIONS = ['limits', 'draft', 'ipv6Client', 'maxNodes'];
const ANALYZE_OPTIONS = [...ANALYSIS_OPTIONS, 'resolver', 'timeout'];
const LIMITS = ['dnsTerms', 'mxNames', 'ptrNames', 'voidLookups'];

function limitsChecked(options) {
  if (options.limits !== undefined && options.limits !== null) optionsArg(options.limits, LIMITS);
  return options;
}

/**
 * One evaluation driven by the caller: next() gives queries to resolve,
 * answer() takes each answer (in any order), until next() gives null;
 * then outcome() is the result.
 */
export class Evaluation {
  #inner;
  constructor(ip, sender, helo, options) {
    needLoaded();
    const o = limitsChecked(optionsArg(options, EVALUATION_OPTIONS));
    this.#inner = guarded(() => new WasmEvaluation(ip, sender, helo, o));
  }

  /** Queries to resolve; [] while answers are outstanding; null when done. */
  next() {
    return guarded(() => this.#inner.next());
  }

  /** Gives the answer to a query (the query object or its id). */
  answer(query, answer) {
    const id = queryId(query);
    guarded(() => this.#inner.answer(id, answer));
  }

  /** The outcome once done, else null. */
  outcome(authservId) {
    return guarded(() => this.#inner.outcome(authservId));
  }

  /** Frees the WebAssembly memory now rather than at garbage collection. */
  free() {
    this.#inner.free();
  }
}

/** A record-tree analysis driven by the caller, like an Evaluation. */
export class Analysis {
  #inner;
  constructor(domain, options) {
    needLoaded();
    const o = limitsChecked(optionsArg(options, ANALYSIS_OPTIONS));
    this.#inner = guarded(() => new WasmAnalysis(domain, o));
  }

  next() {
    return guarded(() => this.#inner.next());
  }

  answer(query, answer) {
    const id = queryId(query);
    guarded(() => this.#inner.answer(id, answer));
  }

  /** The report once done, else null. */
  report() {
    return guarded(() => this.#inner.report());
  }

  free() {
    this.#inner.free();
  }
}

// ---------------------------------------------------------------------------
// Driving with an async resolver
// ---------------------------------------------------------------------------

const DEFAULT_TIMEOUT = 20000;

function resolverArg(resolver) {
  if (typeof resolver !== 'function') {
    throw new InvalidArgumentError('resolver must be an async function (name, type) => answer');
  }
  return resolver;
}

function timeoutArg(timeout) {
  if (timeout === undefined) return DEFAULT_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 2 ** 31 - 1) {
    throw new InvalidArgumentError('timeout is a number of milliseconds above 0');
  }
  return timeout;
}

const isThenable = (v) => v !== null && typeof v === 'object' && typeof v.then === 'function';

/**
 * Runs a step machine to the end: each step's queries resolved
 * concurrently; a resolver that throws answers TEMPERROR; once `timeout` ms
 * have passed every outstanding and later query is TEMPERROR. Answers a
 * resolver gives synchronously go straight in, with no promise made.
 */
async function drive(machine, resolver, timeout) {
  const deadline = performance.now() + timeout;
  let expired = false;
  let timer;
  let expiry = null; // made when the first answer has to be awaited
  try {
    for (;;) {
      const queries = machine.next();
      if (queries === null) return;
      if (queries.length === 0) throw new InternalError('waiting although every query was answered');
      // The clock as well as the timer: a resolver answering synchronously
      // (or with promises already settled) never lets the timer fire.
      if (expired || performance.now() >= deadline) {
        expired = true;
        for (const q of queries) machine.answer(q.id, TEMPERROR);
        continue;
      }
      const answers = new Array(queries.length);
      let pending = null;
      for (let i = 0; i < queries.length; i++) {
        let a;
        let later = false;
        try {
          a = resolver(queries[i].name, queries[i].type);
          // Inside the try: a `then` getter may throw too.
          later = isThenable(a);
        } catch {
          a = TEMPERROR;
        }
        if (later) {
          answers[i] = TEMPERROR;
          const settle = (v) => {
            answers[i] = v;
          };
          (pending ??= []).push(Promise.resolve(a).then(settle, () => settle(TEMPERROR)));
        } else {
          answers[i] = a;
        }
      }
      let settled = answers;
      if (pending !== null) {
        expiry ??= new Promise((resolve) => {
          timer = setTimeout(() => {
            expired = true;
            resolve();
          }, Math.max(0, deadline - performance.now()));
        });
        await Promise.race([Promise.all(pending), expiry]);
        // After the deadline the answers not in yet stay TEMPERROR; late
        // ones land in an array nobody reads any more.
        settled = answers.slice();
      }
      for (let i = 0; i < queries.length; i++) {
        machine.answer(queries[i].id, settled[i]);
      }
    }
  } finally {
    clearTimeout(timer);
  }
}

async function evaluate(ip, sender, helo, options, identity) {
  if (!loaded) await init();
  const o = { ...optionsArg(options, CHECK_OPTIONS) };
  const resolver = resolverArg(o.resolver);
  const timeout = timeoutArg(o.timeout);
  const authservId = o.authservId;
  delete o.resolver;
  delete o.timeout;
  delete o.authservId;
  if (identity !== undefined) o.identity = identity;
  const ev = new Evaluation(ip, sender, helo, o);
  try {
    await drive(ev, resolver, timeout);
    return ev.outcome(authservId);
  } finally {
    ev.free();
  }
}

/**
 * Checks a connection as RFC 7208 §2.3/§2.4 say: HELO first when it is a
 * domain, then MAIL FROM unless HELO passed or failed.
 *
 * options: { resolver (required), timeout (ms, 20000), receiver, limits,
 * defaultExplanation, trace, alwaysMailFrom, definitive, timestamp, plan,
 * authservId }.
 */
export async function check(ip, sender, helo, options) {
  return evaluate(ip, sender, helo, options, undefined);
}

/**
 * One check_host() (RFC 7208 §4) of a single identity: `identity` is
 * "mailfrom" (default; postmaster@HELO for the null sender) or "helo".
 */
export async function checkHost(ip, sender, helo, options) {
  const o = optionsArg(options, CHECK_OPTIONS);
  const identity = o.identity === undefined ? 'mailfrom' : o.identity;
  if (identity !== 'mailfrom' && identity !== 'helo') {
    throw new InvalidArgumentError(`identity must be 'mailfrom' or 'helo', not ${JSON.stringify(identity)}`);
  }
  return evaluate(ip, sender, helo, o, identity);
}

/**
 * Analyses a domain's SPF record tree (or `draft`, a record not yet
 * published, in its place): DNS cost per node, worst-case counts against
 * the limits, networks, warnings with byte spans as string indices.
 */
export async function analyze(domain, options) {
  if (!loaded) await init();
  const o = { ...optionsArg(options, ANALYZE_OPTIONS) };
  const resolver = resolverArg(o.resolver);
  const timeout = timeoutArg(o.timeout);
  delete o.resolver;
  delete o.timeout;
  const an = new Analysis(domain, o);
  try {
    await drive(an, resolver, timeout);
    return an.report();
  } finally {
    an.free();
  }
}

/**
 * The RFC 1035 query message for `name` and `type` ("A", "AAAA", "MX",
 * "TXT", "PTR") with message id `id` (0, as DNS over HTTPS wants, by
 * default): for hosts with their own transport. Its response, as a
 * Uint8Array, is an answer.
 */
export function dnsQuery(name, type, id = 0) {
  needLoaded();
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new InvalidArgumentError('id is 0 to 65535');
  return guarded(() => queryMessage(name, type, id));
}

/**
 * A domain as check_host() looks it up: A-labels (RFC 8616), no root dot.
 * Throws InvalidArgumentError saying why for a domain it would find invalid.
 */
export function checkDomain(domain) {
  needLoaded();
  return guarded(() => wasmCheckDomain(domain));
}

/** Parses a record: { text, terms: [{ text, kind, name, qualifier, start, end }] }. */
export function parseRecord(text) {
  needLoaded();
  return guarded(() => wasmParseRecord(text));
}

// ---------------------------------------------------------------------------
// DNS over HTTPS (RFC 8484)
// ---------------------------------------------------------------------------

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * A resolver asking a DNS-over-HTTPS endpoint in the RFC 8484 wire format:
 * { endpoint, method: "POST" | "GET", timeout (ms, 5000), fetch, headers }.
 * Its answers are the DNS response messages, decoded by the core; an HTTP
 * error, a timeout or a network failure is TEMPERROR.
 */
export function dohResolver(options = {}) {
  const o = optionsArg(options, ['endpoint', 'method', 'timeout', 'fetch', 'headers']);
  const endpoint = o.endpoint;
  if (typeof endpoint !== 'string' && !(endpoint instanceof URL)) {
    throw new InvalidArgumentError('dohResolver needs { endpoint }, e.g. "https://dns.example/dns-query"');
  }
  const method = o.method === undefined ? 'POST' : o.method;
  if (method !== 'POST' && method !== 'GET') throw new InvalidArgumentError('method is "POST" or "GET"');
  const timeout = o.timeout === undefined ? 5000 : timeoutArg(o.timeout);
  const doFetch = o.fetch === undefined ? globalThis.fetch : o.fetch;
  if (typeof doFetch !== 'function') throw new InvalidArgumentError('no fetch: pass { fetch }');
  const headers = { accept: 'application/dns-message', ...(o.headers || {}) };
  return async function resolve(name, type) {
    await init();
    // Message id 0, as RFC 8484 §4.1 asks, so answers can be cached.
    const message = guarded(() => queryMessage(name, type, 0));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeout);
    try {
      let response;
      if (method === 'POST') {
        response = await doFetch(endpoint, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/dns-message' },
          body: message,
          signal: controller.signal,
        });
      } else {
        const url = new URL(endpoint);
        url.searchParams.set('dns', base64url(message));
        response = await doFetch(url, { method: 'GET', headers, signal: controller.signal });
      }
      if (!response.ok) return TEMPERROR;
      const body = new Uint8Array(await response.arrayBuffer());
      return body;
    } catch {
      return TEMPERROR;
    } finally {
      clearTimeout(timer);
    }
  };
}
