// Types of the receiver policy (src/policy.js, exported by the package;
// docs/policy-settings.md is the contract). index.d.ts re-exports them.

import type { InvalidArgumentError, Limits, Resolver, SmtpReply, SpfError, SpfResult, Query, Answer } from './index.js';

/** Results a `reject` list may hold (pass and temperror cannot reject). */
export type PolicyRejectResult = 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror';

/** `helo` and `mail_from`: how one identity's result is treated. */
export interface PolicyIdentityRules {
  /** Results that reject (["fail"]). */
  reject?: PolicyRejectResult[];
  /** What temperror does ("accept", with the header). */
  temperror?: 'accept' | 'defer';
  /** Reject only domains whose record is exactly "v=spf1 -all". */
  only_minus_all?: boolean;
  /** Domains (and subdomains) that must pass. */
  must_pass?: string[];
  /** false: the identity is not checked. */
  check?: boolean;
}

/** A trusted forwarder (seed 003): a name and one of networks, domain, address. */
export type PolicyForwarder =
  | { name: string; networks: string[]; domain?: never; address?: never }
  | { name: string; domain: string; networks?: never; address?: never }
  | { name: string; address: string; networks?: never; domain?: never };

/** RFC 8601 §2.7.2's "policy" result: a pass local policy finds too broad. */
export interface PolicyUnacceptablePass {
  plus_all?: boolean;
  /** 0: off. */
  max_addresses?: number;
  domains?: string[];
  /** false: accept (A-R says spf=policy); true: 550 5.7.1. */
  reject?: boolean;
}

/** Seed 003's prospective check of mail forwarded to `forward_path`. */
export interface PolicyProspective {
  forward_path: string;
  /** 1 to 16 addresses the forwarder sends from. */
  outbound: string[];
}

/** The keys a recipient's domain may override (`domain."example.org"`). */
export interface PolicyDomainOverrides {
  helo?: PolicyIdentityRules;
  mail_from?: PolicyIdentityRules;
  forwarder?: PolicyForwarder[];
  never_reject_without_forwarders?: boolean;
  unacceptable_pass?: PolicyUnacceptablePass;
  best_guess_policy?: { reject?: PolicyRejectResult[] };
  iprev?: 'off' | 'report' | 'require';
  log_only?: boolean;
}

/** The keys a recipient address may override (`address."bob@example.org"`),
 * and what recipientRules or PolicyMessage.start() may give. */
export interface PolicyOverrides extends PolicyDomainOverrides {
  prospective?: PolicyProspective;
}

/** docs/policy-settings.md's schema: the TOML file's tree as an object.
 * Unknown keys are errors; a key set to undefined is left out. */
export interface PolicySettings extends PolicyDomainOverrides {
  authserv_id?: string;
  header?: 'received-spf' | 'authentication-results' | 'both' | 'none';
  hide_receiver?: boolean;
  recipient_delimiter?: string;
  skip_networks?: string[];
  trusted_relays?: string[];
  skip_authenticated?: boolean;
  /** An SPF record evaluated for domains without one. */
  best_guess?: string;
  domain?: Record<string, PolicyDomainOverrides>;
  address?: Record<string, PolicyOverrides>;
}

/** A recipient's overrides from the host (a database, LDAP): null for none. */
export type RecipientRules = (
  recipient: string,
) => PolicyOverrides | null | undefined | Promise<PolicyOverrides | null | undefined>;

export interface PolicyOptions {
  /** Required for decide() in browsers and workers; Node's own DNS when omitted in Node. */
  resolver?: Resolver;
  /** Milliseconds per decide(), recipientRules' wait included (20000). */
  timeout?: number;
  plan?: 'batched' | 'sequential';
  /** Each at most 1000. */
  limits?: Limits;
  defaultExplanation?: string;
  /** Seconds since the epoch, for %{t}. */
  timestamp?: number;
  /** Asked for each recipient that is an address, before its decision. A
   * throw, a rejection, a promise not settled within `timeout`, or
   * overrides core refuses make decide() reject with RecipientRulesError. */
  recipientRules?: RecipientRules;
  /** What errors call the settings (a file name): "settings". */
  file?: string;
}

/** The SMTP transaction a message arrived with. */
export interface PolicyConnection {
  /** The client's address. */
  ip: string;
  /** The HELO/EHLO name. */
  helo: string;
  /** The MAIL FROM address, "" (or "<>") for the null reverse-path. */
  mailFrom: string;
  /** SMTP AUTH (false). */
  authenticated?: boolean;
}

export type PolicyAction = 'not-checked' | 'accept' | 'accept-with-headers' | 'reject' | 'defer';

/** The rule that decided (docs/policy-settings.md names each). */
export type PolicyRule =
  | 'bad-recipient'
  | 'skip-network'
  | 'authenticated'
  | 'bad-connection'
  | 'helo-reject'
  | 'helo-must-pass'
  | 'helo-temperror'
  | 'mail-from-reject'
  | 'mail-from-must-pass'
  | 'mail-from-temperror'
  | 'best-guess'
  | 'unacceptable-pass'
  | 'trusted-relay'
  | 'forwarder-network'
  | 'forwarder-domain'
  | 'forwarder-address'
  | 'never-reject'
  | 'iprev'
  | 'multiple'
  | 'prospective'
  | 'accept';

export type IprevResult = 'pass' | 'fail' | 'temperror' | 'permerror';

/** One recipient's decision: a plain, JSON-compatible object. */
export interface Decision {
  /** The recipient as decided (angle brackets removed); "" when it is no address. */
  recipient: string;
  action: PolicyAction;
  /** Whether to refuse the recipient (action reject or defer). */
  refuses: boolean;
  /** The SMTP reply for reject (5xx) and defer (4xx); else null. */
  reply: SmtpReply | null;
  /** In log-only mode, the reply the decision would have sent. */
  intended: SmtpReply | null;
  rule: PolicyRule;
  /** The trusted forwarder's name, when one decided. */
  forwarder: string | null;
  /** Header fields to add, [name, value]: the first accepted recipient's only. */
  headers: [string, string][];
  /** Seed 003's `domain:RESULT`, e.g. "example.com:FAIL". */
  reputationKey: string | null;
  /** The SPF results, when evaluated (bestGuess is no SPF result). */
  results: { helo: SpfResult | null; mailFrom: SpfResult | null; bestGuess: SpfResult | null };
  /** Whether a pass was found unacceptable (RFC 8601 `policy`). */
  unacceptablePass: boolean;
  iprev: IprevResult | null;
  /** DNS queries this decision asked (earlier recipients' are not asked again). */
  queries: number;
  roundTrips: number;
}

/** A receiver's policy: settings read and checked now (PolicySettingsError). */
export class Policy {
  constructor(settings: PolicySettings, options?: PolicyOptions);
  message(connection: PolicyConnection): PolicyMessage;
  free(): void;
}

/** One message: one SPF evaluation shared by its recipients' decisions. */
export class PolicyMessage {
  private constructor();
  /** With the policy's resolver and recipientRules; Uint8Array bytes that are no UTF-8 address are not-checked. */
  decide(recipient: string | Uint8Array): Promise<Decision>;
  /** The step API, with the host's own overrides; recipientRules is not asked. */
  start(recipient: string | Uint8Array, overrides?: PolicyOverrides | null): PolicyDecide;
  /** The recipient as decided (angle brackets removed), or null when it is no address. */
  recipientAddress(recipient: string | Uint8Array): string | null;
  free(): void;
}

/** One recipient's decision driven by the caller, as an Evaluation. */
export class PolicyDecide {
  private constructor();
  next(): Query[] | null;
  answer(query: Query | number, answer: Answer): void;
  expire(): void;
  decision(): Decision | null;
  free(): void;
}

/** Settings (or overrides) refused, by core: where and why. */
export class PolicySettingsError extends InvalidArgumentError {
  code: 'policy-settings';
  /** The `file` option ("settings"), "recipientRules" or "overrides". */
  file: string;
  /** Always null here: a JS object has no lines. */
  line: number | null;
  /** The key's path: "mail_from.reject[1]", 'address."bob@example.net".iprev', "(top level)". */
  key: string;
  /** What is wrong (the message is `${file}: ${key}: ${reason}`). */
  reason: string;
}

/** recipientRules threw, rejected, did not settle in time, or gave refused
 * overrides (`cause` a PolicySettingsError): the recipient is undecided. */
export class RecipientRulesError extends SpfError {
  code: 'recipient-rules';
  recipient: string;
  cause?: unknown;
}

/** Loads the module with the receiver policy (browsers, workers; Node loads it on import). */
export function initPolicy(source?: WebAssembly.Module | BufferSource | URL | string | Response): Promise<void>;
