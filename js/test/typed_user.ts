// A user's file, checked with `tsc` (npm run typecheck): the declarations
// describe what the tests exercise.
import {
  Evaluation, NXDOMAIN, RecordSyntaxError, check, checkHost, dohResolver, parseRecord, systemResolver,
  type Answer, type Outcome, type Resolver,
} from 'spfkit';

const zone: Record<string, Answer> = { 'example.com/TXT': [['v=spf1 -all']] };
const resolver: Resolver = async (name, type) => zone[`${name}/${type}`] ?? NXDOMAIN;

export async function run(): Promise<string> {
  const o: Outcome = await check('192.0.2.1', 'a@example.com', 'h.example', { resolver, trace: true });
  const h = await checkHost('192.0.2.1', 'a@example.com', 'h.example', { resolver: dohResolver({ endpoint: 'https://dns.example/dns-query' }), identity: 'helo' });
  const local: Resolver = systemResolver({ servers: ['127.0.0.1:5353', '[::1]:53'], timeout: 2000, tries: 3 });
  await check('192.0.2.1', 'a@example.com', 'h.example', { resolver: local, timeout: 10000 });
  const ev = new Evaluation('192.0.2.1', 'a@example.com', 'h', { identity: 'mailfrom' });
  for (let qs = ev.next(); qs !== null; qs = ev.next()) for (const q of qs) ev.answer(q, zone[`${q.name}/${q.type}`] ?? NXDOMAIN);
  try {
    parseRecord('v=spf1 bogus');
  } catch (e) {
    if (e instanceof RecordSyntaxError) return `${e.code} ${e.term} ${e.span[0]}-${e.span[1]} ${e.start}-${e.end}`;
  }
  ev.expire();
  return `${o.result} ${o.smtpReply?.code ?? ''} ${h.decidedBy} ${ev.outcome()?.result}`;
}

// The receiver policy: settings typed by the schema, the callback's
// overrides, decisions with string unions.
import {
  Policy, PolicySettingsError, RecipientRulesError, initPolicy,
  type Decision, type PolicyAction, type PolicyOverrides, type PolicyRule, type PolicySettings,
} from 'spfkit';

const settings: PolicySettings = {
  authserv_id: 'mx.example.net',
  mail_from: { reject: ['fail', 'softfail'], temperror: 'defer' },
  forwarder: [{ name: 'backup-mx', networks: ['198.51.100.0/24'] }, { name: 'pobox', domain: 'pobox.com' }],
  address: { 'alice@example.net': { prospective: { forward_path: 'alice@elsewhere.example', outbound: ['192.0.2.99'] } } },
  domain: { 'example.org': { iprev: 'report', unacceptable_pass: { max_addresses: 65536 } } },
};
// @ts-expect-error: not one of received-spf, authentication-results, both, none
const badHeader: PolicySettings = { header: 'all' };
// @ts-expect-error: pass cannot reject
const badReject: PolicySettings = { helo: { reject: ['pass'] } };
// @ts-expect-error: a forwarder has one of networks, domain or address
const twoKinds: PolicySettings = { forwarder: [{ name: 'x', domain: 'x.example', networks: [] }] };
// @ts-expect-error: prospective is for an address only
const prospectiveDomain: PolicySettings = { domain: { 'example.org': { prospective: { forward_path: 'a@b.example', outbound: [] } } } };

export async function decidePolicy(): Promise<string> {
  await initPolicy();
  const policy = new Policy(settings, {
    resolver,
    timeout: 5000,
    timestamp: 1_700_000_000,
    file: 'policy.json',
    recipientRules: async (rcpt): Promise<PolicyOverrides | null> => (rcpt === 'carol@example.net' ? { log_only: true } : null),
  });
  const message = policy.message({ ip: '192.0.2.1', helo: 'mail.example.com', mailFrom: 'alice@example.com' });
  const d: Decision = await message.decide('bob@example.net');
  const action: PolicyAction = d.action;
  const rule: PolicyRule = d.rule;
  const headers: string = d.headers.map(([name, value]) => `${name}: ${value}`).join('\r\n');
  const code: number | undefined = d.reply?.code;
  const bytes = await message.decide(new Uint8Array([0xff, 0x40, 0x61]));
  const steps = message.start('<dave@example.net>', { mail_from: { reject: ['fail'] } });
  for (let qs = steps.next(); qs !== null; qs = steps.next()) for (const q of qs) steps.answer(q, zone[`${q.name}/${q.type}`] ?? NXDOMAIN);
  const stepped: Decision | null = steps.decision();
  steps.free();
  const address: string | null = message.recipientAddress('<x@example.net>');
  try {
    new Policy({ mail_from: { reject: ['fail'] }, iprev: 'require' }, { file: 'p.json' });
  } catch (e) {
    if (e instanceof PolicySettingsError) return `${e.file}:${e.line ?? '-'}: ${e.key}: ${e.reason}`;
    if (e instanceof RecipientRulesError) return `${e.recipient} ${String(e.cause)}`;
  }
  void [badHeader, badReject, twoKinds, prospectiveDomain];
  return `${action} ${rule} ${headers} ${code} ${bytes.rule} ${stepped?.reputationKey} ${address} ${d.results.mailFrom}`;
}

// SRS for forwarders: settings as an options object, results and error
// kinds as string unions.
import {
  Srs, SrsError, SrsSettingsError,
  type SrsErrorKind, type SrsForwarded, type SrsSettings, type SrsSettingsErrorKind, type SrsUnchangedReason,
} from 'spfkit';

const srsSettings: SrsSettings = {
  secrets: [Srs.keygen(), new TextEncoder().encode('test-secret-one')],
  domain: 'fwd.example',
  separator: '+',
  hashLength: 8,
  hashMin: 4,
  maxAgeDays: 21,
  urlSafe: true,
  localDomains: ['.fwd.example'],
  refuseLong: false,
};
// @ts-expect-error: the separator is one of =, + and -
const badSeparator: SrsSettings = { secrets: ['s'], domain: 'fwd.example', separator: '/' };
// @ts-expect-error: secrets is a list
const oneSecret: SrsSettings = { secrets: 's', domain: 'fwd.example' };

export function forwardAndBounce(): string {
  const srs = new Srs(srsSettings);
  const f: SrsForwarded = srs.forward('alice@example.com');
  const reason: SrsUnchangedReason | null = f.rewritten ? null : f.reason;
  const octets: number[] = f.warnings.map((w) => w.octets);
  const back: string = srs.reverse(f.address, new Date());
  let kind: SrsErrorKind | SrsSettingsErrorKind | undefined;
  try {
    srs.reverse('SRS0=AAAA=7G=example.com=alice@fwd.example', 1_767_268_800);
  } catch (e) {
    if (e instanceof SrsError) kind = e.kind;
    if (e instanceof SrsSettingsError) kind = e.kind;
  }
  srs.free();
  void [badSeparator, oneSecret];
  return `${f.address} ${reason} ${octets.join()} ${back} ${kind}`;
}
