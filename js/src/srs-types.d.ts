// Types of SRS for forwarders (src/srs.js, exported by the package;
// docs/srs.md). index.d.ts re-exports them.

import type { InvalidArgumentError, SpfError } from './index.js';

/** Why an address was refused (core's ErrorKind names). */
export type SrsErrorKind = 'not-srs' | 'bad-hash' | 'expired' | 'bad-timestamp' | 'malformed' | 'too-long';

/** Why settings were refused (core's SettingsError names). */
export type SrsSettingsErrorKind =
  | 'no-secret'
  | 'bad-secret'
  | 'bad-domain'
  | 'bad-separator'
  | 'bad-hash-length'
  | 'bad-hash-min'
  | 'bad-max-age'
  | 'bad-local-domain';

/** Why forward() left a sender alone (core's Unchanged names). */
export type SrsUnchangedReason = 'local-domain' | 'already-rewritten';

/** Worth logging about a rewrite; the address is usable. */
export interface SrsWarning {
  /** The rewritten local part passes RFC 5321's 64 octets (some servers
   * refuse it; `refuseLong` makes it a `too-long` error instead). */
  kind: 'long-local-part';
  /** Octets of the rewritten local part. */
  octets: number;
  /** Core's sentence, the kind first. */
  message: string;
}

/** What forward() did: use `address` as the new MAIL FROM either way. */
export type SrsForwarded =
  | { address: string; rewritten: true; reason: null; warnings: SrsWarning[] }
  | { address: string; rewritten: false; reason: SrsUnchangedReason; warnings: [] };

export interface SrsSettings {
  /** HMAC keys, each a line of postsrsd's secrets file (a string is taken
   * as its UTF-8): the first signs, every one verifies. At most 1024. */
  secrets: (string | Uint8Array)[];
  /** This forwarder's domain: rewritten senders end in `@domain`, and its
   * own senders are left alone. */
  domain: string;
  /** After SRS0/SRS1 ('='). */
  separator?: '=' | '+' | '-';
  /** Hash characters written, 1 to 27 (4). */
  hashLength?: number;
  /** Fewest hash characters accepted, 1 to hashLength (4). */
  hashMin?: number;
  /** Days an address stays valid, at most 1023 (21). */
  maxAgeDays?: number;
  /** Write hashes with '-' and '_' (postsrsd 2.2.6) instead of '+' and
   * '/' (postsrsd 1.10, libsrs2) (false); both are always read. */
  urlSafe?: boolean;
  /** Domains whose senders are not rewritten; '.example.org' for its
   * subdomains. At most 1024. */
  localDomains?: string[];
  /** Refuse (too-long) a rewrite whose local part passes 64 octets instead
   * of warning (false). */
  refuseLong?: boolean;
}

/** A time: Unix seconds (not Date.now()'s milliseconds) or a Date. */
export type SrsTime = number | Date;

/** A forwarder's rewriter, byte for byte as postsrsd and libsrs2. */
export class Srs {
  /** Throws SrsSettingsError for settings core refuses. */
  constructor(settings: SrsSettings);
  /** The sender for forwarding mail from `address`, at `now` (the clock by
   * default). Throws SrsError. */
  forward(address: string, now?: SrsTime): SrsForwarded;
  /** Where a bounce to `address` goes, at `now` (the clock by default).
   * Throws SrsError; kind 'not-srs' is mail to deliver as addressed. */
  reverse(address: string, now?: SrsTime): string;
  free(): void;
  /** A new secret: 24 octets from crypto.getRandomValues, base64. */
  static keygen(): string;
}

/** An address refused. */
export class SrsError extends SpfError {
  code: 'srs';
  kind: SrsErrorKind;
  /** Core's sentence, without the kind. */
  reason: string;
}

/** Settings refused. */
export class SrsSettingsError extends InvalidArgumentError {
  code: 'srs-settings';
  kind: SrsSettingsErrorKind;
  /** Core's sentence, without the kind. */
  reason: string;
}
