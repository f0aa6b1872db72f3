// The RFC 7208 suite from tests/ in the repository (suite_cases.js has
// the zone and the verdict).
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { casesOf } from './suite_cases.js';

export { OPTIONS, suiteZone, verdict } from './suite_cases.js';

/** The repository root: the packed-package run sets SPFKIT_REPO. */
export const REPO = process.env.SPFKIT_REPO || join(import.meta.dirname, '..', '..');

/** Appends { name, ran, passed } as a JSON line to the file named by
 * SPFKIT_COUNTS, when set: CI checks those counts (.ci/counts.py), not the
 * wording of printed lines. */
export function recordCount(name, ran, passed) {
  const path = process.env.SPFKIT_COUNTS;
  if (path) appendFileSync(path, `${JSON.stringify({ name, ran, passed })}\n`);
}

/** Every case: [name, case, zone]. */
export function suiteCases() {
  return casesOf(JSON.parse(readFileSync(join(REPO, 'tests/rfc7208/rfc7208-tests.json'), 'utf8')));
}
