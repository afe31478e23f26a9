/**
 * scripts/test-summary.mjs, the closing line of `npm test`: a run that
 * skipped tests, or whose suite failed to load, must not read as green.
 * Fed with vitest JSON reports shaped like the real ones.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/test-summary.mjs');

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { name: string; status: string; message: string; assertionResults: { status: string }[] }[];
}

function run(report: Report | Report[], ...args: string[]): { code: number | null; out: string; err: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'summary-'));
  const files = (Array.isArray(report) ? report : [report]).map((r, i) => {
    const file = path.join(dir, `vitest-${i}.json`);
    fs.writeFileSync(file, JSON.stringify(r));
    return file;
  });
  const r = spawnSync(process.execPath, [SCRIPT, ...files, ...args], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const ok = (name: string, n: number) => ({ name, status: 'passed', message: '', assertionResults: Array.from({ length: n }, () => ({ status: 'passed' })) });

describe('the test summary', () => {
  it('prints passed, failed and skipped and succeeds on a clean full run', () => {
    const r = run({ numPassedTests: 3, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [ok('a.test.ts', 3)] });
    expect(r.out.trim()).toBe('3 passed, 0 failed, 0 skipped');
    expect(r.code).toBe(0);
  });

  it('fails a full run in which a suite failed in beforeAll and its tests were skipped', () => {
    const broken = {
      name: '/repo/interop/route-reflector.test.ts', status: 'failed', message: 'Error: lab did not come up\n    at ...',
      assertionResults: [{ status: 'skipped' }, { status: 'skipped' }],
    };
    const r = run({ numPassedTests: 5, numFailedTests: 0, numPendingTests: 2, numTodoTests: 0, testResults: [ok('a.test.ts', 5), broken] });
    expect(r.out.trim()).toBe('5 passed, 0 failed, 2 skipped');
    expect(r.code).toBe(1);
    expect(r.err).toContain('suite failed outside its tests: /repo/interop/route-reflector.test.ts: Error: lab did not come up');
  });

  it('fails a full run with a skipped or todo test', () => {
    const r = run({ numPassedTests: 5, numFailedTests: 0, numPendingTests: 0, numTodoTests: 1, testResults: [ok('a.test.ts', 5)] });
    expect(r.code).toBe(1);
    expect(r.err).toContain('1 test(s) skipped, pending or todo in a full run');
  });

  it('lets a narrowed run skip tests, and says it was narrowed', () => {
    const r = run({ numPassedTests: 5, numFailedTests: 0, numPendingTests: 40, numTodoTests: 0, testResults: [ok('a.test.ts', 5)] }, '--project', 'unit');
    expect(r.out.trim()).toBe('5 passed, 0 failed, 40 skipped (narrowed: --project unit)');
    expect(r.code).toBe(0);
  });

  it('adds up the main run and the container run into one line, and fails when either has a failure', () => {
    const main = { numPassedTests: 5, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [ok('a.test.ts', 5)] };
    const containers = { numPassedTests: 7, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [ok('c.test.ts', 7)] };
    const both = run([main, containers]);
    expect(both.out.trim()).toBe('12 passed, 0 failed, 0 skipped');
    expect(both.code).toBe(0);
    const bad = run([main, { ...containers, numPassedTests: 6, numFailedTests: 1 }]);
    expect(bad.out.trim()).toBe('11 passed, 1 failed, 0 skipped');
    expect(bad.code).toBe(1);
  });

  it('fails when a report it was given is missing', () => {
    const r = spawnSync(process.execPath, [SCRIPT, path.join(os.tmpdir(), 'no-such-report.json')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('vitest wrote no results to');
  });

  it('fails on a failed test, and when no test ran', () => {
    expect(run({ numPassedTests: 5, numFailedTests: 1, numPendingTests: 0, numTodoTests: 0, testResults: [] }).code).toBe(1);
    const none = run({ numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, testResults: [] });
    expect(none.code).toBe(1);
    expect(none.err).toContain('no test ran');
  });
});
