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
