// spfkit's JavaScript API over the WebAssembly core (dist/, built by
// scripts/build.js from bindings/wasm). The same module serves Node
// (node.js), browsers and workers (web.js): only how the .wasm is loaded
// differs.

import initWasm, {
  initSync as initWasmSync,
  Analysis as WasmAnalysis,
  bounds as wasmBounds,
  checkDomain as wasmCheckDomain,
  checkIdentity as wasmCheckIdentity,
  Evaluation as WasmEvaluation,
  parseRecord as wasmParseRecord,
  queryMessage,
  version as wasmVersion,
} from '../dist/spfkit_wasm.js';
import { policyApi } from './policy.js';
import { srsApi } from './srs.js';

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

/**
 * A record that does not parse. `code` says why (core's code, e.g.
 * 'invalid-ip4', as in Rust and Python); `term` is the term at fault;
 * `start`, `end` and `span` ([start, end]) are JS string indices.
 */
export class RecordSyntaxError extends SpfError {
  constructor(message, { code, term, start, end }) {
    super(message, code);
    this.term = term;
    this.start = start;
    this.end = end;
    this.span = [start, end];
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
  if (e instanceof Error && e.syntax === true) return new RecordSyntaxError(e.message, e);
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

// Core's bounds (spfkit_wasm's bounds()), read once the module is loaded.
let BOUNDS = null;
const bound = () => (BOUNDS ??= wasmBounds());

/** A value for a message: strings quoted and cut, others by their type. */
function shown(v) {
  switch (typeof v) {
    case 'string':
      return v.length > 40 ? `${JSON.stringify(v.slice(0, 40))}…` : JSON.stringify(v);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
  }
  if (v === null) return 'null';
  try {
    return Array.isArray(v) ? 'an array' : 'an object';
  } catch {
    return 'a revoked proxy';
  }
}

/** `obj[key]` of a caller's object; a throwing getter or trap is an InvalidArgumentError. */
function readArg(obj, key, where) {
  try {
    return obj[key];
  } catch {
    throw new InvalidArgumentError(`${where} could not be read (its getter threw)`);
  }
}

function queryId(query) {
  const id = typeof query === 'object' && query !== null ? readArg(query, 'id', 'the query\'s id') : query;
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new InvalidArgumentError(`answer() takes a query ({ id, name, type }) or its id, not ${shown(id)}`);
  }
  return id;
}

/**
 * A caller's options object read once into a plain object of its own
 * enumerable properties (undefined and null ones left out), each checked
 * by `known[name]`; nothing of the caller's reaches the WebAssembly side.
 * A misspelt option would otherwise be ignored without a word.
 */
function optionsArg(options, known, where = 'options') {
  if (options === undefined || options === null) return {};
  let keys;
  try {
    if (typeof options !== 'object' || Array.isArray(options)) keys = null;
    else keys = Object.keys(options);
  } catch {
    throw new InvalidArgumentError(`${where} could not be read (a proxy's trap threw, or it was revoked)`);
  }
  if (keys === null) throw new InvalidArgumentError(`${where} must be an object, not ${shown(options)}`);
  const out = {};
  for (const k of keys) {
    const name = where === 'options' ? k : `${where}.${k}`;
    if (!Object.hasOwn(known, k)) {
      throw new InvalidArgumentError(`unknown option ${JSON.stringify(name)}; known: ${Object.keys(known).join(', ')}`);
    }
    const v = readArg(options, k, name);
    if (v !== undefined && v !== null) out[k] = known[k](v, name);
  }
  return out;
}

// Checks of one option's value: each gives the value to pass on, or throws
// saying what the option must be and what it was.
const must = (name, what, v) => {
  throw new InvalidArgumentError(`${name} must be ${what}, not ${shown(v)}`);
};
const string = (v, name) => (typeof v === 'string' ? v : must(name, 'a string', v));
const boolean = (v, name) => (typeof v === 'boolean' ? v : must(name, 'true or false', v));
const oneOf = (...names) => (v, name) =>
  (names.includes(v) ? v : must(name, names.map((n) => `'${n}'`).join(', ').replace(/, ([^,]*)$/, ' or $1'), v));
const whole = (min, max) => (v, name) =>
  (Number.isInteger(v) && v >= min && v <= max() ? v : must(name, `a whole number from ${min} to ${max()}`, v));
const fn = (what) => (v, name) => (typeof v === 'function' ? v : must(name, what, v));

// A limit: a whole number here (what a u32 holds); whether it is within
// Limits::MAX is core's Limits::check() to say, naming the option.
const limit = (v, name) =>
  (Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : must(name, `a whole number from 0 to ${bound().maxLimit}`, v));
const LIMITS = { dnsTerms: limit, mxNames: limit, ptrNames: limit, voidLookups: limit };
const limits = (v, name) => optionsArg(v, LIMITS, name);

/** definitive: an array of result names, copied (core takes at most 64). */
function definitive(v, name) {
  let list;
  try {
    if (!Array.isArray(v)) return must(name, 'an array of SPF results', v);
    const n = v.length;
    if (!Number.isInteger(n) || n < 0 || n > 64) return must(name, 'an array of at most 64 SPF results', v);
    list = Array.from({ length: n }, (_, i) => v[i]);
  } catch (e) {
    if (e instanceof SpfError) throw e;
    throw new InvalidArgumentError(`${name} could not be read (a getter or a proxy's trap threw)`);
  }
  return list.map((r, i) => string(r, `${name}[${i}]`));
}

// Words (identity, plan, definitive's results) go to core as strings:
// core reads them, and a wrong one is core's text, as in every binding.
const EVALUATION_OPTIONS = {
  identity: string,
  plan: string,
  receiver: string,
  limits,
  defaultExplanation: string,
  trace: boolean,
  alwaysMailFrom: boolean,
  definitive,
  timestamp: whole(0, () => Number.MAX_SAFE_INTEGER),
};
const CHECK_OPTIONS = {
  ...EVALUATION_OPTIONS,
  resolver: fn('an async function (name, type) => answer'),
  timeout: (v, name) => timeoutArg(v, name),
  authservId: string,
};
const ANALYSIS_OPTIONS = {
  limits,
  draft: string,
  ipv6Client: boolean,
  maxNodes: whole(1, () => bound().maxNodes),
};
const ANALYZE_OPTIONS = { ...ANALYSIS_OPTIONS, resolver: CHECK_OPTIONS.resolver, timeout: CHECK_OPTIONS.timeout };

// ---------------------------------------------------------------------------
// Answers: a snapshot before the WebAssembly side sees them
// ---------------------------------------------------------------------------

// A real Uint8Array (not a proxy, not a look-alike), and its length, by
// the intrinsic getters, which run no code of the caller's.
const TYPED_ARRAY = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayTag = Object.getOwnPropertyDescriptor(TYPED_ARRAY, Symbol.toStringTag).get;
const typedArrayLength = Object.getOwnPropertyDescriptor(TYPED_ARRAY, 'length').get;
const isBytes = (v) => ArrayBuffer.isView(v) && typedArrayTag.call(v) === 'Uint8Array';

/** Thrown inside snapshot(): the value is no DNS answer (too big), TEMPERROR. */
const NO_ANSWER = Symbol('no DNS answer');

/** What a value that is no record shape becomes: its type is kept for the message, nothing of it is read. */
const opaque = (v) => (typeof v === 'function' ? () => {} : typeof v === 'object' && v !== null ? (Array.isArray(v) ? [] : {}) : v);

/** A length read from an array (or a proxy of one), bounded before use. */
function lengthOf(a, max) {
  const n = a.length;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max) throw NO_ANSWER;
  return n;
}

/**
 * A resolver's answer as a fresh value of primitives: arrays copied
 * element by element (each read once, lengths bounded first),
 * Uint8Arrays copied, MX records as plain { exchange, priority,
 * preference }. More records or more TXT than one DNS message carries, or
 * anything that throws while read (a getter, a proxy's trap, a revoked
 * proxy), is TEMPERROR: no DNS answer. The WebAssembly side then checks
 * the shapes (a wrong one is a ResolverError) without running any code of
 * the caller's.
 */
function snapshot(answer) {
  try {
    const { maxRecords, maxTxt, maxMessage } = bound();
    // A string answer is one of three words: no more of it is needed.
    if (typeof answer === 'string') return answer.length > 16 ? answer.slice(0, 16) : answer;
    if (typeof answer !== 'object' || answer === null) return opaque(answer);
    if (isBytes(answer)) return typedArrayLength.call(answer) > maxMessage ? TEMPERROR : new Uint8Array(answer);
    if (!Array.isArray(answer)) return {};
    const n = lengthOf(answer, maxRecords);
    // Bytes of TXT data at least (a string's UTF-8 is no shorter than its
    // UTF-16 length), and character-strings, each at least a byte on the wire.
    let budget = maxTxt;
    let strings = maxMessage;
    const text = (v) => {
      if (typeof v === 'string') {
        budget -= v.length;
      } else if (isBytes(v)) {
        budget -= typedArrayLength.call(v);
        if (budget >= 0) v = new Uint8Array(v);
      } else {
        return opaque(v);
      }
      if (budget < 0 || --strings < 0) throw NO_ANSWER;
      return v;
    };
    const records = new Array(n);
    for (let i = 0; i < n; i++) {
      const r = answer[i];
      if (typeof r === 'string') {
        // A TXT record, an address or a name; no record is this long.
        if (r.length > maxTxt) throw NO_ANSWER;
        records[i] = r;
      } else if (isBytes(r)) {
        records[i] = text(r);
      } else if (typeof r !== 'object' || r === null) {
        records[i] = opaque(r);
      } else if (Array.isArray(r)) {
        const parts = new Array(lengthOf(r, maxTxt));
        for (let j = 0; j < parts.length; j++) parts[j] = text(r[j]);
        records[i] = parts;
      } else {
        const plain = (v) => (typeof v === 'object' || typeof v === 'function' ? null : v);
        const exchange = plain(r.exchange);
        if (typeof exchange === 'string' && exchange.length > maxTxt) throw NO_ANSWER;
        records[i] = { exchange, priority: plain(r.priority), preference: plain(r.preference) };
      }
    }
    return records;
  } catch {
    return TEMPERROR;
  }
}

/** A string argument, as is (the WebAssembly side checks its length). */
function textArg(v, name) {
  return typeof v === 'string' ? v : must(name, 'a string', v);
}

// ---------------------------------------------------------------------------
// The step API
// ---------------------------------------------------------------------------

/**
 * One evaluation driven by the caller: next() gives queries to resolve,
 * answer() takes each answer (in any order), until next() gives null;
 * then outcome() is the result.
 */
export class Evaluation {
  #inner;
  constructor(ip, sender, helo, options) {
    needLoaded();
    const o = optionsArg(options, EVALUATION_OPTIONS);
    const args = [textArg(ip, 'ip'), textArg(sender, 'sender'), textArg(helo, 'helo')];
    this.#inner = guarded(() => new WasmEvaluation(...args, o));
  }

  /** Queries to resolve; [] while answers are outstanding; null when done. */
  next() {
    return guarded(() => this.#inner.next());
  }

  /** Gives the answer to a query (the query object or its id). */
  answer(query, answer) {
    const id = queryId(query);
    const a = snapshot(answer);
    guarded(() => this.#inner.answer(id, a));
  }

  /**
   * The deadline has passed: every outstanding and later query is
   * TEMPERROR (core's rule); next() then gives null.
   */
  expire() {
    guarded(() => this.#inner.expire());
  }

  /** The outcome once done, else null. */
  outcome(authservId) {
    const id = authservId === undefined || authservId === null ? undefined : string(authservId, 'authservId');
    return guarded(() => this.#inner.outcome(id));
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
    const o = optionsArg(options, ANALYSIS_OPTIONS);
    const d = textArg(domain, 'domain');
    this.#inner = guarded(() => new WasmAnalysis(d, o));
  }

  next() {
    return guarded(() => this.#inner.next());
  }

  answer(query, answer) {
    const id = queryId(query);
    const a = snapshot(answer);
    guarded(() => this.#inner.answer(id, a));
  }

  /** As Evaluation's expire(): the report comes from what was answered. */
  expire() {
    guarded(() => this.#inner.expire());
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
  if (resolver === undefined) must('resolver', 'an async function (name, type) => answer', resolver);
  return resolver;
}

/** A timeout in milliseconds (a timer's range). */
function timeoutArg(timeout, name = 'timeout') {
  if (timeout === undefined) return DEFAULT_TIMEOUT;
  if (typeof timeout !== 'number' || !(timeout > 0) || timeout > 2 ** 31 - 1) {
    must(name, `a number of milliseconds above 0 and at most ${2 ** 31 - 1}`, timeout);
  }
  return timeout;
}

const isThenable = (v) => v !== null && typeof v === 'object' && typeof v.then === 'function';

/**
 * Runs a step machine to the end: each step's queries resolved
 * concurrently; a resolver that throws answers TEMPERROR. Once `timeout`
 * ms have passed the machine expires (core's rule: every outstanding and
 * later query is TEMPERROR). Answers a resolver gives synchronously go
 * straight in, with no promise made.
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
        machine.expire();
        continue;
      }
      const answers = new Array(queries.length);
      const arrived = new Array(queries.length).fill(true);
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
          arrived[i] = false;
          const settle = (v) => {
            answers[i] = v;
            arrived[i] = true;
          };
          (pending ??= []).push(Promise.resolve(a).then(settle, () => settle(TEMPERROR)));
        } else {
          answers[i] = a;
        }
      }
      let given = arrived;
      if (pending !== null) {
        expiry ??= new Promise((resolve) => {
          timer = setTimeout(() => {
            expired = true;
            resolve();
          }, Math.max(0, deadline - performance.now()));
        });
        await Promise.race([Promise.all(pending), expiry]);
        // What arrived by now goes in; late answers land in arrays nobody
        // reads any more.
        given = arrived.slice();
      }
      for (let i = 0; i < queries.length; i++) {
        if (given[i]) machine.answer(queries[i].id, answers[i]);
      }
      // The rest stays unanswered: expire() makes it TEMPERROR.
      if (!given.every(Boolean)) machine.expire();
    }
  } finally {
    clearTimeout(timer);
  }
}

async function evaluate(ip, sender, helo, options, identity) {
  if (!loaded) await init();
  const o = optionsArg(options, CHECK_OPTIONS);
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
 * options: { resolver (required), timeout (ms for the whole check, 20000),
 * receiver, limits, defaultExplanation, trace, alwaysMailFrom, definitive,
 * timestamp, plan, authservId }.
 */
export async function check(ip, sender, helo, options) {
  return evaluate(ip, sender, helo, options, undefined);
}

/**
 * One check_host() (RFC 7208 §4) of a single identity: `identity` is
 * "mailfrom" (default; postmaster@HELO for the null sender) or "helo".
 */
export async function checkHost(ip, sender, helo, options) {
  if (!loaded) await init();
  // One identity, as core's Identity reads it ('helo' or 'mailfrom').
  const identity = (v, name) => guarded(() => wasmCheckIdentity(string(v, name)));
  const o = optionsArg(options, { ...CHECK_OPTIONS, identity });
  return evaluate(ip, sender, helo, o, o.identity ?? 'mailfrom');
}

/**
 * Analyses a domain's SPF record tree (or `draft`, a record not yet
 * published, in its place): DNS cost per node, worst-case counts against
 * the limits, networks, warnings with byte spans as string indices.
 * options: { resolver (required), timeout (ms for the whole analysis,
 * 20000), limits, draft, ipv6Client, maxNodes }.
 */
export async function analyze(domain, options) {
  if (!loaded) await init();
  const o = optionsArg(options, ANALYZE_OPTIONS);
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
  if (!Number.isInteger(id) || id < 0 || id > 0xffff) must('id', 'a whole number from 0 to 65535', id);
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
  const o = optionsArg(options, {
    endpoint: (v, name) => (typeof v === 'string' || v instanceof URL ? v : must(name, 'a URL (a string or a URL)', v)),
    method: oneOf('POST', 'GET'),
    timeout: timeoutArg,
    fetch: fn('a function as globalThis.fetch'),
    // Header names and values, copied now.
    headers: (v, name) => {
      const h = {};
      try {
        for (const k of Object.keys(v)) h[k] = string(v[k], `${name}.${k}`);
      } catch (e) {
        if (e instanceof SpfError) throw e;
        throw new InvalidArgumentError(`${name} could not be read (a getter or a proxy's trap threw)`);
      }
      return h;
    },
  });
  const endpoint = o.endpoint;
  if (endpoint === undefined) {
    throw new InvalidArgumentError('dohResolver needs { endpoint }, e.g. "https://dns.example/dns-query"');
  }
  const method = o.method ?? 'POST';
  const timeout = o.timeout ?? 5000;
  const doFetch = o.fetch ?? globalThis.fetch;
  if (typeof doFetch !== 'function') throw new InvalidArgumentError('no fetch: pass { fetch }');
  const headers = { accept: 'application/dns-message', ...o.headers };
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

// ---------------------------------------------------------------------------
// Receiver policy (policy.js), on the helpers above
// ---------------------------------------------------------------------------

export const { Policy, PolicyMessage, PolicyDecide, PolicySettingsError, RecipientRulesError, initPolicy } = policyApi({
  SpfError, InvalidArgumentError, InternalError, init, rethrown, guarded, needLoaded, optionsArg, must, string, boolean, fn, shown,
  snapshot, queryId, drive, timeoutArg, isThenable, bound, isBytes, typedArrayLength, EVALUATION_OPTIONS,
  CHECK_OPTIONS,
});

// ---------------------------------------------------------------------------
// SRS for forwarders (srs.js), on the helpers above; in both modules
// ---------------------------------------------------------------------------

export const { Srs, SrsError, SrsSettingsError } = srsApi({
  SpfError, InvalidArgumentError, rethrown, needLoaded, optionsArg, must, string, boolean, bound, isBytes,
  typedArrayLength,
});
