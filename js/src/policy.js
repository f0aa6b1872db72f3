// Receiver policy (docs/policy-settings.md): what a receiving mail server
// does with SPF results, per recipient, over core's spfkit::policy. Policy
// (settings and options), PolicyMessage (one SMTP transaction: one SPF
// evaluation for all its recipients), PolicyDecide (the step API of one
// recipient's decision), PolicySettingsError and RecipientRulesError.
//
// core.js builds these with policyApi(), handing over its own helpers
// (options checks, answer snapshots, the async driver, error classes), and
// exports them: nothing here is public but what it returns.
//
// The policy is in one of the package's two modules: Node loads that one
// (dist/spfkit_wasm_policy_bg.wasm) on import; browsers and workers load
// the smaller one with init() and this one with initPolicy() (or
// initSync() of its compiled module, `spfkit/spfkit-policy.wasm`).
//
// The caller's values are read here once, before the WebAssembly side
// sees them: settings and overrides become a tree of primitives, fresh
// arrays and a Map per table, bounded in depth, entries and size; anything
// that throws while read becomes a value no setting takes, so core refuses
// it naming its key. Every rule, bound and message of the schema is core's.

import { hasPolicy, Policy as WasmPolicy } from '../dist/spfkit_wasm.js';

/** Nesting of a settings tree read (the schema needs 6 levels). */
const MAX_DEPTH = 16;
/** Characters of a string or key kept: more than any the schema takes
 * (512 bytes at most), so a longer one is still refused, by core. */
const MAX_TEXT = 4096;
/** A settings tree's size at most (characters, plus one a value): a
 * settings file's bound in core (16 MiB, `policy::MAX_FILE`). */
const MAX_SIZE = 16 * 2 ** 20;
/** Bytes or characters of a recipient kept: more than an address core
 * takes (320 bytes, in angle brackets 322), so a longer one is still
 * `bad-recipient`. */
const MAX_RECIPIENT = 1024;

/** `policyApi(k)`: the policy classes on core.js's helpers `k`. */
export function policyApi(k) {
  const {
    SpfError, InvalidArgumentError, InternalError, init, rethrown, guarded, needLoaded, optionsArg, must, string,
    boolean, fn, shown, snapshot, queryId, drive, timeoutArg, isThenable, bound, isBytes, typedArrayLength,
    EVALUATION_OPTIONS, CHECK_OPTIONS,
  } = k;

  /**
   * Settings refused: `file` (the `file` option, "settings" by default;
   * "recipientRules" or "overrides" for a recipient's), `line` (null: a JS
   * object has no lines), `key` (the path, `mail_from.reject[1]`,
   * `address."bob@example.net".iprev`) and `reason`; `message` is all four,
   * on one line, as core writes them.
   */
  class PolicySettingsError extends InvalidArgumentError {
    constructor(message, { file, line = null, key, reason }) {
      super(message, 'policy-settings');
      this.file = file;
      this.line = line;
      this.key = key;
      this.reason = reason;
    }
  }

  /**
   * The `recipientRules` callback failed for `recipient`: it threw, its
   * promise rejected or did not settle within the timeout, or it gave
   * overrides core refuses (`cause` is then a PolicySettingsError). The
   * recipient is not decided (an MTA answers it with a temporary failure,
   * 451 4.3.0); the message and its other recipients are unharmed.
   */
  class RecipientRulesError extends SpfError {
    constructor(message, recipient, cause) {
      super(message, 'recipient-rules', cause === undefined ? undefined : { cause });
      this.recipient = recipient;
    }
  }

  /** Turns what the WebAssembly side threw into the package's classes. */
  function guardedPolicy(f) {
    try {
      return f();
    } catch (e) {
      if (e instanceof Error && e.code === 'policy-settings') throw new PolicySettingsError(e.message, e);
      throw rethrown(e);
    }
  }

  const cut = (s) => (s.length > MAX_TEXT ? s.slice(0, MAX_TEXT + 1) : s);

  /**
   * The caller's settings (or overrides) `value` as a tree of the
   * WebAssembly side's: strings (cut), numbers, booleans, fresh arrays, a
   * Map per plain object (its own enumerable string keys, sorted; a key
   * whose value is undefined left out, as JSON does), and `{ other: kind }` for
   * anything else: null, a function, a Date or Map, a value nested too
   * deep, a value whose getter or proxy trap threw. Core refuses each of
   * those naming its key. At most one entry more than core takes is
   * copied from a list or table, so an over-long one is still refused by
   * core; a tree over MAX_SIZE is refused here.
   */
  function settingsTree(value, file) {
    const { maxSettingsList, maxSettingsTable } = bound();
    let size = 0;
    const spend = (n) => {
      size += n;
      if (size > MAX_SIZE) {
        const reason = `larger than ${MAX_SIZE} bytes (as a settings file may be)`;
        throw new PolicySettingsError(`${file}: (top level): ${reason}`, { file, key: '(top level)', reason });
      }
    };
    const other = (kind) => ({ other: kind });
    const UNREADABLE = other('unreadable');
    const walk = (v, depth) => {
      switch (typeof v) {
        case 'string': {
          const s = cut(v);
          spend(s.length + 1);
          return s;
        }
        case 'number':
        case 'boolean':
          spend(1);
          return v;
        case 'object':
          break;
        default:
          // undefined (in a list), a function, a symbol, a bigint.
          spend(1);
          return other(typeof v);
      }
      spend(1);
      if (v === null) return other('null');
      if (depth >= MAX_DEPTH) return other('deep');
      let length;
      let keys;
      try {
        if (Array.isArray(v)) {
          length = v.length;
        } else if (Object.prototype.toString.call(v) === '[object Object]') {
          keys = Object.keys(v);
        } else {
          return other('object');
        }
      } catch {
        // A revoked proxy, a trap or a Symbol.toStringTag getter that threw.
        return UNREADABLE;
      }
      if (keys === undefined) {
        if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) return UNREADABLE;
        const out = new Array(Math.min(length, maxSettingsList + 1));
        for (let i = 0; i < out.length; i++) {
          let item;
          try {
            item = v[i];
          } catch {
            out[i] = UNREADABLE;
            continue;
          }
          out[i] = walk(item, depth + 1);
        }
        return out;
      }
      // In sorted order, as core's TOML reader gives a table's keys, so
      // that every host names the same key when more than one is wrong
      // (UTF-16 order, which differs from UTF-8's only past U+FFFF).
      if (keys.length > maxSettingsTable + 1) keys.length = maxSettingsTable + 1;
      keys.sort();
      const out = new Map();
      for (const name of keys) {
        const key = cut(name);
        spend(key.length);
        let item;
        try {
          item = v[name];
        } catch {
          out.set(key, UNREADABLE);
          continue;
        }
        if (item !== undefined) out.set(key, walk(item, depth + 1));
      }
      return out;
    };
    return walk(value, 0);
  }

  /** A recipient, a string or a Uint8Array (copied), cut past what core takes. */
  function recipientArg(r) {
    if (typeof r === 'string') return r.length > MAX_RECIPIENT ? r.slice(0, MAX_RECIPIENT + 1) : r;
    if (isBytes(r)) {
      const out = new Uint8Array(Math.min(typedArrayLength.call(r), MAX_RECIPIENT + 1));
      for (let i = 0; i < out.length; i++) out[i] = r[i];
      return out;
    }
    return must('recipient', 'a string or a Uint8Array', r);
  }

  // HELO and MAIL FROM pass as given up to one character past core's bound:
  // core decides a longer one (`bad-connection`), not this layer.
  const connectionText = (v, name) => {
    const s = string(v, name);
    const max = bound().maxLength + 1;
    return s.length > max ? s.slice(0, max) : s;
  };
  const CONNECTION = {
    ip: (v, name) => string(v, name).slice(0, 256),
    helo: connectionText,
    mailFrom: connectionText,
    authenticated: boolean,
  };

  const REQUIRED = [['ip', 'the client\'s address'], ['helo', 'the HELO/EHLO name'], ['mailFrom', 'the MAIL FROM address, "" for <>']];

  function connectionArg(connection) {
    if (connection === undefined || connection === null) must('connection', 'an object { ip, helo, mailFrom }', connection);
    const c = optionsArg(connection, CONNECTION, 'connection');
    for (const [key, what] of REQUIRED) {
      if (c[key] === undefined) throw new InvalidArgumentError(`connection.${key} is required (${what})`);
    }
    return c;
  }

  /** A name for errors: printable, at most 1024 characters. */
  const fileName = (v, name) =>
    (typeof v === 'string' && v.length > 0 && v.length <= 1024 && !/[\p{Cc}]/u.test(v)
      ? v
      : must(name, 'a name for errors (1 to 1024 characters, no control characters)', v));

  const POLICY_OPTIONS = {
    resolver: CHECK_OPTIONS.resolver,
    timeout: CHECK_OPTIONS.timeout,
    plan: EVALUATION_OPTIONS.plan,
    limits: EVALUATION_OPTIONS.limits,
    defaultExplanation: EVALUATION_OPTIONS.defaultExplanation,
    timestamp: EVALUATION_OPTIONS.timestamp,
    recipientRules: fn('a function (recipient) => overrides, null, or a Promise of either'),
    file: fileName,
  };
  const EVALUATION_KEYS = ['plan', 'limits', 'defaultExplanation', 'timestamp'];

  /** What a callback threw, for a message: one line, cut. */
  function described(e) {
    let text;
    try {
      text = e instanceof Error ? `${e.name}: ${e.message}` : typeof e === 'string' ? JSON.stringify(e) : shown(e);
      text = String(text);
    } catch {
      return 'a value that could not be read';
    }
    if (text.length > 200) text = `${text.slice(0, 200)}…`;
    return text.replace(/\p{Cc}/gu, '?');
  }

  /** Thrown inside askRules when the callback's promise is late. */
  const LATE = Symbol('late');

  /** `promise` settled, or LATE thrown after `ms`. */
  async function within(promise, ms) {
    let timer;
    const late = new Promise((_, reject) => {
      timer = setTimeout(() => reject(LATE), ms);
    });
    try {
      return await Promise.race([promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The callback's overrides for `address` as a tree, or null. */
  async function askRules(rules, address, timeout) {
    const failed = (why, cause) =>
      new RecipientRulesError(`recipientRules(${JSON.stringify(address)}) ${why}`, address, cause);
    let given;
    let later = false;
    try {
      given = rules(address);
    } catch (e) {
      throw failed(`threw: ${described(e)}`, e);
    }
    try {
      later = isThenable(given);
    } catch (e) {
      // A `then` that throws when read (a revoked proxy): what awaiting
      // the value would make of it, a rejection.
      throw failed(`rejected: ${described(e)}`, e);
    }
    if (later) {
      try {
        given = await within(Promise.resolve(given), timeout);
      } catch (e) {
        if (e === LATE) throw failed(`did not settle within ${timeout} ms`);
        throw failed(`rejected: ${described(e)}`, e);
      }
    }
    if (given === undefined || given === null) return null;
    try {
      return settingsTree(given, 'recipientRules');
    } catch (e) {
      throw failed(`gave overrides that are refused: ${e.message}`, e);
    }
  }

  /** Made only here: the classes below are not for `new` by callers. */
  const TOKEN = Symbol('spfkit policy');
  const made = (token, what) => {
    if (token !== TOKEN) throw new TypeError(`${what} is made by spfkit, not with new`);
  };

  /**
   * One recipient's decision driven by the caller, as an Evaluation is:
   * next() gives queries, answer() takes each answer, until next() gives
   * null; then decision() is the decision.
   */
  class PolicyDecide {
    #inner;
    constructor(token, inner) {
      made(token, 'PolicyDecide');
      this.#inner = inner;
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

    /** The deadline has passed: every outstanding and later query is TEMPERROR. */
    expire() {
      guarded(() => this.#inner.expire());
    }

    /** The decision once done, else null. */
    decision() {
      return guarded(() => this.#inner.decision());
    }

    /** Frees the WebAssembly memory now rather than at garbage collection. */
    free() {
      this.#inner.free();
    }
  }

  /**
   * One message (an SMTP transaction): decide() each recipient after RCPT
   * TO. HELO, MAIL FROM, iprev and forwarder checks are made once, by the
   * first recipient that needs them; the first accepted recipient's
   * decision carries the header fields.
   */
  class PolicyMessage {
    #inner;
    #policy;
    constructor(token, inner, policy) {
      made(token, 'PolicyMessage');
      this.#inner = inner;
      this.#policy = policy;
    }

    /**
     * The recipient as the policy decides it (one pair of angle brackets
     * removed), or null when it is no UTF-8 `local@domain` (decided
     * `not-checked`, `bad-recipient`, without asking recipientRules).
     */
    recipientAddress(recipient) {
      const r = recipientArg(recipient);
      return guarded(() => this.#inner.recipient(r)) ?? null;
    }

    /**
     * Decides `recipient` (a string, or a Uint8Array of the RCPT TO bytes)
     * with the policy's resolver, its recipientRules callback asked first
     * (for a recipient that is an address), within the policy's timeout.
     * Rejects with a RecipientRulesError when the callback fails.
     */
    async decide(recipient) {
      const started = performance.now();
      const { resolver, timeout, rules } = this.#policy;
      const r = recipientArg(recipient);
      if (resolver === null) {
        throw new InvalidArgumentError('decide() needs a resolver: new Policy(settings, { resolver })');
      }
      let tree = null;
      const address = rules === null ? null : (guarded(() => this.#inner.recipient(r)) ?? null);
      if (address !== null) tree = await askRules(rules, address, timeout);
      let inner;
      try {
        inner = guardedPolicy(() => this.#inner.decide(r, tree, 'recipientRules'));
      } catch (e) {
        if (!(e instanceof PolicySettingsError)) throw e;
        throw new RecipientRulesError(
          `recipientRules(${JSON.stringify(address)}) gave overrides that are refused: ${e.message}`, address, e);
      }
      const d = new PolicyDecide(TOKEN, inner);
      try {
        await drive(d, resolver, Math.max(0, timeout - (performance.now() - started)));
        return d.decision();
      } finally {
        d.free();
      }
    }

    /**
     * The step API: a PolicyDecide for `recipient`, with `overrides` (the
     * keys an `address` table takes, as the host looked them up) over the
     * settings'. recipientRules is not asked here.
     */
    start(recipient, overrides) {
      const r = recipientArg(recipient);
      const tree = overrides === undefined || overrides === null ? null : settingsTree(overrides, 'overrides');
      return new PolicyDecide(TOKEN, guardedPolicy(() => this.#inner.decide(r, tree, 'overrides')));
    }

    /** Frees the WebAssembly memory now rather than at garbage collection. */
    free() {
      this.#inner.free();
    }
  }

  /**
   * A receiver's policy: `settings` as docs/policy-settings.md's schema
   * (the TOML file's tree as an object, snake_case keys), read and checked
   * by core now (PolicySettingsError). options: { resolver, timeout (ms per
   * decide(), the callback's wait included; 20000), plan, limits,
   * defaultExplanation, timestamp, recipientRules, file }.
   */
  class Policy {
    #inner;
    #decide;
    constructor(settings, options) {
      needLoaded();
      if (!hasPolicy()) {
        throw new InternalError('spfkit was loaded without the receiver policy: `await initPolicy()` instead of init()');
      }
      const o = optionsArg(options, POLICY_OPTIONS);
      const file = o.file ?? 'settings';
      const evaluation = {};
      for (const key of EVALUATION_KEYS) if (o[key] !== undefined) evaluation[key] = o[key];
      this.#decide = Object.freeze({
        resolver: o.resolver ?? null,
        timeout: timeoutArg(o.timeout),
        rules: o.recipientRules ?? null,
      });
      const tree = settingsTree(settings, file);
      this.#inner = guardedPolicy(() => new WasmPolicy(tree, file, evaluation));
    }

    /**
     * A message on a connection: { ip, helo, mailFrom ("" for the null
     * reverse-path; angle brackets are removed), authenticated (SMTP AUTH,
     * false by default) }.
     */
    message(connection) {
      const c = connectionArg(connection);
      const m = guarded(() => this.#inner.message(c.ip, c.helo, c.mailFrom, c.authenticated ?? false));
      return new PolicyMessage(TOKEN, m, this.#decide);
    }

    /** Frees the WebAssembly memory now (its messages keep what they need). */
    free() {
      this.#inner.free();
    }
  }

  /**
   * Loads the module with the receiver policy (Node loads it on import):
   * `source` as init()'s, the package's spfkit-policy.wasm by default.
   * Before init(): one module is loaded, the first asked for.
   */
  async function initPolicy(source) {
    await init(source ?? new URL('../dist/spfkit_wasm_policy_bg.wasm', import.meta.url));
    if (!hasPolicy()) {
      throw new InternalError(
        'spfkit was loaded without the receiver policy (init() came first): initPolicy() must come first');
    }
  }

  return { Policy, PolicyMessage, PolicyDecide, PolicySettingsError, RecipientRulesError, initPolicy };
}
