// SRS for forwarders (docs/srs.md): rewriting the sender of forwarded mail
// so that it passes SPF as the forwarder's, and undoing it for bounces,
// byte for byte as postsrsd and libsrs2 do, over core's spfkit::srs. Srs
// (settings from an options object; forward(), reverse(), Srs.keygen()),
// SrsError and SrsSettingsError.
//
// core.js builds these with srsApi(), handing over its own helpers
// (options checks, error classes), and exports them: nothing here is
// public but what it returns. Both modules hold SRS, so a forwarder's page
// or worker needs init() only, not initPolicy().
//
// The caller's values are read here once, before the WebAssembly side
// sees them: settings into a plain object of checked types (secrets as
// fresh Uint8Arrays), the time as whole Unix seconds, from the clock when
// not given (core never reads it). Every rule, name and message of SRS
// itself is core's.

import { Srs as WasmSrs, srsSecret } from '../dist/spfkit_wasm.js';

/** Secrets and local domains read at most: far more than a forwarder
 * rotates or lists, and a bound before an array of length 2**32-1 is
 * walked. */
const MAX_LIST = 1024;
/** Random octets of a new secret, as `spfkit srs keygen` draws them. */
const KEYGEN_OCTETS = 24;
/** A UTF-16 code unit with no partner: no UTF-8 text holds it. */
const LONE_SURROGATE = /\p{Surrogate}/u;
/** The intrinsic, which refuses anything but a real Date and runs no code
 * of the caller's. */
const dateTime = Date.prototype.getTime;

/** `srsApi(k)`: the SRS classes on core.js's helpers `k`. */
export function srsApi(k) {
  const {
    SpfError, InvalidArgumentError, rethrown, needLoaded, optionsArg, must, string, boolean, bound, isBytes,
    typedArrayLength,
  } = k;

  /**
   * An address SRS refused: `kind` is core's name (`not-srs`, `bad-hash`,
   * `expired`, `bad-timestamp`, `malformed`, `too-long`), `reason` core's
   * sentence; `message` is both, as core writes them ("bad-hash: the hash
   * is invalid"). `not-srs` from reverse() is ordinary mail: deliver it
   * as addressed.
   */
  class SrsError extends SpfError {
    constructor(message, { kind, reason }) {
      super(message, 'srs');
      this.kind = kind;
      this.reason = reason;
    }
  }

  /**
   * Settings core refused: `kind` is core's name (`no-secret`,
   * `bad-secret`, `bad-domain`, `bad-separator`, `bad-hash-length`,
   * `bad-hash-min`, `bad-max-age`, `bad-local-domain`), `reason` its
   * sentence.
   */
  class SrsSettingsError extends InvalidArgumentError {
    constructor(message, { kind, reason }) {
      super(message, 'srs-settings');
      this.kind = kind;
      this.reason = reason;
    }
  }

  /** Turns what the WebAssembly side threw into the package's classes. */
  function guardedSrs(f) {
    try {
      return f();
    } catch (e) {
      if (e instanceof Error && e.code === 'srs') throw new SrsError(e.message, e);
      if (e instanceof Error && e.code === 'srs-settings') throw new SrsSettingsError(e.message, e);
      throw rethrown(e);
    }
  }

  /** An array of at most MAX_LIST entries, each read once and checked by `item`. */
  function list(v, name, item) {
    let items;
    try {
      if (!Array.isArray(v)) return must(name, 'an array', v);
      const n = v.length;
      if (!Number.isInteger(n) || n < 0) return must(name, 'an array', v);
      if (n > MAX_LIST) throw new InvalidArgumentError(`${name} holds ${n} entries, more than ${MAX_LIST}`);
      items = Array.from({ length: n }, (_, i) => v[i]);
    } catch (e) {
      if (e instanceof SpfError) throw e;
      // A revoked proxy, a trap or a getter that threw.
      throw new InvalidArgumentError(`${name} could not be read (a getter or a proxy's trap threw)`);
    }
    return items.map((x, i) => item(x, `${name}[${i}]`));
  }

  const utf8 = new TextEncoder();

  /** A secret: a string (its UTF-8) or the octets of a secrets file's line, copied. */
  function secret(v, name) {
    if (typeof v === 'string') {
      // TextEncoder would make it U+FFFD: a key nobody else holds.
      if (LONE_SURROGATE.test(v)) {
        throw new InvalidArgumentError(`${name} holds a lone surrogate, which UTF-8 cannot: give its octets as a Uint8Array`);
      }
      return utf8.encode(v);
    }
    if (isBytes(v)) {
      // Copied by the intrinsics (no code of the caller's runs); a detached
      // one, whose length the intrinsic getter gives as 0, is empty, and
      // core refuses it as bad-secret.
      return typedArrayLength.call(v) === 0 ? new Uint8Array(0) : new Uint8Array(v);
    }
    return must(name, 'a string or a Uint8Array', v);
  }

  // Numbers go to core as given when whole and not negative; whether they
  // are within its bounds (hash length 1 to 27, ...) is core's to say.
  const count = (v, name) => (Number.isInteger(v) && v >= 0 ? v : must(name, 'a whole number, 0 or more', v));
  const SETTINGS = {
    secrets: (v, name) => list(v, name, secret),
    domain: string,
    separator: string,
    hashLength: count,
    hashMin: count,
    maxAgeDays: count,
    urlSafe: boolean,
    localDomains: (v, name) => list(v, name, string),
    refuseLong: boolean,
  };

  /** Unix seconds: `now` as given (whole seconds or a Date), else the clock's. */
  function nowArg(now) {
    if (now === undefined || now === null) return Math.max(0, Math.floor(Date.now() / 1000));
    if (typeof now === 'object') {
      let t;
      try {
        t = dateTime.call(now);
      } catch {
        return must('now', 'whole seconds since the epoch or a Date', now);
      }
      if (!(t >= 0)) return must('now', 'a valid Date from 1970 on', now);
      return Math.floor(t / 1000);
    }
    if (Number.isInteger(now) && now >= 0 && now <= Number.MAX_SAFE_INTEGER) return now;
    return must('now', 'whole seconds since the epoch or a Date', now);
  }

  /**
   * An address, cut one character past core's bound: what is cut is
   * still longer than core takes (each UTF-16 unit is at least one UTF-8
   * octet), so core refuses it as it would the whole string (too-long, or
   * not-srs), and the WebAssembly memory does not grow by a huge string.
   */
  function addressArg(v) {
    const s = string(v, 'address');
    const max = bound().maxSrsAddress + 1;
    return s.length > max ? s.slice(0, max) : s;
  }

  /**
   * A forwarder's rewriter. settings: { secrets (strings or Uint8Arrays,
   * the first signs, every one verifies), domain, separator ('=', '+' or
   * '-'; '='), hashLength (4), hashMin (4), maxAgeDays (21), urlSafe
   * (false), localDomains ([]), refuseLong (false) }, checked by core now
   * (SrsSettingsError).
   */
  class Srs {
    #inner;
    constructor(settings) {
      needLoaded();
      // Without a prototype: the WebAssembly side reads absent settings
      // as absent, whatever Object.prototype holds.
      const o = Object.assign(Object.create(null), optionsArg(settings, SETTINGS, 'settings'));
      // Absent is empty: core names what is missing (no-secret, bad-domain).
      o.secrets ??= [];
      o.domain ??= '';
      this.#inner = guardedSrs(() => new WasmSrs(o));
    }

    /**
     * The sender to forward mail from `address` with, at `now` (Unix
     * seconds or a Date; the clock by default): { address, rewritten,
     * reason (null, or why it is unchanged: 'local-domain',
     * 'already-rewritten'), warnings ([{ kind: 'long-local-part', octets,
     * message }]) }. Throws SrsError.
     */
    forward(address, now) {
      const a = addressArg(address);
      const t = nowArg(now);
      const f = guardedSrs(() => this.#inner.forward(a, t));
      // Unchanged is the sender as given (core's contract): the caller's
      // own string, even one UTF-8 could not carry whole.
      if (!f.rewritten) f.address = address;
      return f;
    }

    /**
     * Where a bounce to `address` goes, at `now` (as forward()'s): the
     * original sender for SRS0, the previous forwarder's SRS0 address for
     * SRS1. Throws SrsError; `not-srs` is mail to deliver as addressed.
     */
    reverse(address, now) {
      const a = addressArg(address);
      const t = nowArg(now);
      return guardedSrs(() => this.#inner.reverse(a, t));
    }

    /** Frees the WebAssembly memory now rather than at garbage collection. */
    free() {
      this.#inner.free();
    }

    /**
     * A new secret: 24 octets from crypto.getRandomValues, as base64 (core's
     * secret_from_bytes; `spfkit srs keygen` makes the same). Put it first
     * in `secrets` (and in postsrsd's secrets file, to share it).
     */
    static keygen() {
      needLoaded();
      const random = globalThis.crypto.getRandomValues(new Uint8Array(KEYGEN_OCTETS));
      return guardedSrs(() => srsSecret(random));
    }
  }

  return { Srs, SrsError, SrsSettingsError };
}
