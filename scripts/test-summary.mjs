// Reads vitest's JSON report and prints the closing line of `npm test`:
//   N passed, N failed, N skipped
// and exits non-zero when the run cannot be trusted: a failed test, a suite
// that failed to load or whose hooks failed (vitest then marks its tests
// skipped, which would otherwise read as "0 failed"), any skipped, pending or
// todo test, or no test at all. A run narrowed on purpose (arguments given
// to `npm test`, e.g. `--project unit` or a file filter) may skip tests; the
// line then says so.
//
// Several reports (the leading arguments that end in .json: the main run and
// the container run) are added up into the one line.
//
// usage: node scripts/test-summary.mjs <vitest.json>... [the arguments given to vitest...]
import fs from 'node:fs';

const args = process.argv.slice(2);
const files = [];
while (args.length > 0 && args[0].endsWith('.json')) files.push(args.shift());
const narrowedBy = args;
if (files.length === 0) {
  console.error('test-summary: no vitest JSON report given');
  process.exit(1);
}
let passed = 0;
let failed = 0;
let skipped = 0;
const brokenSuites = [];
for (const file of files) {
  if (!fs.existsSync(file)) {
    console.error(`test-summary: vitest wrote no results to ${file}`);
    process.exit(1);
  }
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  brokenSuites.push(...(r.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).every((a) => a.status !== 'failed')));
}

const narrowed = narrowedBy.length > 0;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped${narrowed ? ` (narrowed: ${narrowedBy.join(' ')})` : ''}`);

const problems = [];
if (passed + failed === 0) problems.push('no test ran');
for (const s of brokenSuites) problems.push(`suite failed outside its tests: ${s.name}: ${(s.message ?? '').split('\n')[0]}`);
if (skipped > 0 && !narrowed) problems.push(`${skipped} test(s) skipped, pending or todo in a full run`);
for (const p of problems) console.error(`test-summary: ${p}`);
process.exit(failed > 0 || problems.length > 0 ? 1 : 0);
