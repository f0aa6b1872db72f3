// Types of the package `spfkit` (src/core.js, with src/node.js's additions).

// The receiver policy: Policy, PolicyMessage, PolicyDecide, Decision, the
// settings' schema.
export * from './policy-types.js';
// SRS for forwarders: Srs, SrsError, SrsSettingsError, their settings and results.
export * from './srs-types.js';

/** The name does not exist. */
export const NXDOMAIN: 'NXDOMAIN';
/** The name exists without records of the type asked. */
export const NODATA: 'NODATA';
/** The lookup failed: temperror. */
export const TEMPERROR: 'TEMPERROR';

export type QueryType = 'A' | 'AAAA' | 'MX' | 'TXT' | 'PTR';
export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';
export type IdentityName = 'helo' | 'mailfrom';

/** One record of an answer: TXT as a string, its character-strings or
 * bytes; A/AAAA/PTR as a string; MX as Node's dns.resolveMx gives it. */
export type AnswerRecord =
  | string
  | string[]
  | Uint8Array
  | { exchange: string; priority: number }
  | { exchange: string; preference: number };

/** What a resolver gives: records, an empty answer, or a DNS response message.
 * More records than one DNS message carries (5,956), more than 65,535 bytes
 * of TXT data, or a value that throws while read, is TEMPERROR. */
export type Answer = AnswerRecord[] | typeof NXDOMAIN | typeof NODATA | typeof TEMPERROR | Uint8Array;

/** Resolves one query; throwing means TEMPERROR. */
export type Resolver = (name: string, type: QueryType) => Promise<Answer> | Answer;

export interface Query {
  id: number;
  /** ASCII (A-labels), without a trailing dot. */
  name: string;
  type: QueryType;
}

export interface Limits {
  dnsTerms?: number;
  mxNames?: number;
  ptrNames?: number;
  voidLookups?: number;
}

export interface EvaluationOptions {
  /** check(): "both" (default); check_host(): "mailfrom" or "helo". */
  identity?: 'both' | IdentityName;
  plan?: 'batched' | 'sequential';
  receiver?: string;
  /** Each at most 1000. */
  limits?: Limits;
  defaultExplanation?: string;
  trace?: boolean;
  alwaysMailFrom?: boolean;
  definitive?: SpfResult[];
  /** Seconds since the epoch, for %{t}. */
  timestamp?: number;
}

export interface CheckOptions extends Omit<EvaluationOptions, 'identity'> {
  /** Required in browsers and workers; Node's own DNS when omitted in Node. */
  resolver?: Resolver;
  /** Milliseconds for the whole check (20000); after it every outstanding
   * and later query is TEMPERROR. */
  timeout?: number;
  /** This host's name in Authentication-Results (the receiver by default). */
  authservId?: string;
}

export interface CheckHostOptions extends CheckOptions {
  identity?: IdentityName;
}

export interface Counters {
  dnsTerms: number;
  voidLookups: number;
  queries: number;
  roundTrips: number;
}

export type TraceEvent =
  | { kind: 'record'; depth: number; domain: string; record: string }
  /** `note`: why the term looked nothing up, when its name could not be formed (an expansion that is no valid domain). */
  | { kind: 'term'; depth: number; domain: string; term: string; matched: boolean; note: string | null }
  | { kind: 'error'; depth: number; domain: string; term: string | null; message: string };

export interface IdentityOutcome {
  result: SpfResult;
  identity: IdentityName;
  domain: string;
  sender: string;
  explanation: string | null;
  mechanism: string | null;
  reason: string | null;
  counters: Counters;
  trace: TraceEvent[];
  receivedSpf: string;
}

export interface SmtpReply {
  code: number;
  enhanced: string;
  text: string;
}

/** A plain, JSON-compatible object. */
export interface Outcome {
  result: SpfResult;
  decidedBy: IdentityName;
  ip: string;
  helo: string;
  mailFrom: string;
  receiver: string;
  explanation: string | null;
  mechanism: string | null;
  reason: string | null;
  domain: string;
  heloOutcome: IdentityOutcome | null;
  mailFromOutcome: IdentityOutcome | null;
  receivedSpf: string;
  authenticationResults: string;
  smtpReply: SmtpReply | null;
}

export interface Term {
  text: string;
  kind: 'directive' | 'modifier';
  name: string;
  qualifier: '+' | '-' | '~' | '?' | null;
  /** String indices into the record. */
  start: number;
  end: number;
}

export interface ParsedRecord {
  text: string;
  terms: Term[];
}

export interface Span {
  start: number;
  end: number;
}

export interface ReportNode {
  domain: string;
  parent: number | null;
  via: 'root' | 'include' | 'redirect';
  term: string | null;
  depth: number;
  source: 'dns' | 'draft';
  record: string | null;
  dnsTerms: number;
  voidLookups: number;
}

export interface Report {
  domain: string;
  nodes: ReportNode[];
  dnsTerms: number;
  voidLookups: number;
  limits: Required<Limits>;
  exceedsDnsTerms: boolean;
  exceedsVoidLookups: boolean;
  networks: { network: string; node: number; term: string; qualifier: '+' | '-' | '~' | '?' }[];
  ipv4Addresses: number;
  /** Decimal: it can exceed what a number holds. */
  ipv6Addresses: string;
  clientDependent: { node: number; term: string; span: Span }[];
  warnings: { code: string; node: number; span: Span | null; message: string }[];
}

export interface AnalysisOptions {
  limits?: Limits;
  /** A record for the domain not yet published. */
  draft?: string;
  ipv6Client?: boolean;
  /** Records fetched at most, 1 to 1000 (100). */
  maxNodes?: number;
}

export interface AnalyzeOptions extends AnalysisOptions {
  resolver?: Resolver;
  /** Milliseconds for the whole analysis (20000). */
  timeout?: number;
}

export class SpfError extends Error {
  code: string;
}
export class InvalidArgumentError extends SpfError {}
export class InvalidAddressError extends InvalidArgumentError {}
export class ResolverError extends SpfError {}
export class AnswerError extends SpfError {}
export class InternalError extends SpfError {}
/** A record that does not parse. */
export class RecordSyntaxError extends SpfError {
  /** Why, as core's code (Rust's and Python's): 'invalid-ip4', 'invalid-cidr', 'invalid-character', ... */
  code: string;
  /** The term at fault. */
  term: string;
  /** JS string indices into the record (the message says "(characters start..end)"). */
  start: number;
  end: number;
  /** [start, end]. */
  span: [number, number];
}

export function init(source?: WebAssembly.Module | BufferSource | URL | string | Response): Promise<void>;
export function initSync(source: WebAssembly.Module | BufferSource): void;
export function version(): string;

export function check(ip: string, sender: string, helo: string, options?: CheckOptions): Promise<Outcome>;
export function checkHost(ip: string, sender: string, helo: string, options?: CheckHostOptions): Promise<Outcome>;
export function analyze(domain: string, options?: AnalyzeOptions): Promise<Report>;
export function parseRecord(text: string): ParsedRecord;
/** A domain as check_host() looks it up (A-labels, no root dot); throws
 * InvalidArgumentError for one it would find invalid. */
export function checkDomain(domain: string): string;
export function dnsQuery(name: string, type: QueryType, id?: number): Uint8Array;

export interface DohOptions {
  endpoint: string | URL;
  method?: 'POST' | 'GET';
  /** Milliseconds per query (5000). */
  timeout?: number;
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}
export function dohResolver(options: DohOptions): Resolver;

export interface SystemResolverOptions {
  /** Name servers asked in turn: "192.0.2.53", "192.0.2.53:5353", "2001:db8::53"
   * or "[2001:db8::53]:5353" (default: Node's dns.getServers()). */
  servers?: string[];
  /** Milliseconds per try (5000). */
  timeout?: number;
  /** Rounds over all servers (2). */
  tries?: number;
}
/** Node only: DNS over UDP, and TCP for truncated replies, to the system's
 * name servers or `servers`; the replies decoded by the core, as the spfkit
 * command does. */
export function systemResolver(options?: SystemResolverOptions): Resolver;

export class Evaluation {
  constructor(ip: string, sender: string, helo: string, options?: EvaluationOptions);
  next(): Query[] | null;
  answer(query: Query | number, answer: Answer): void;
  /** The deadline has passed: every outstanding and later query is TEMPERROR; next() then gives null. */
  expire(): void;
  outcome(authservId?: string): Outcome | null;
  free(): void;
}

export class Analysis {
  constructor(domain: string, options?: AnalysisOptions);
  next(): Query[] | null;
  answer(query: Query | number, answer: Answer): void;
  /** As Evaluation's expire(). */
  expire(): void;
  report(): Report | null;
  free(): void;
}
