/**
 * Summary of a V8 .cpuprofile (written by `node --cpu-prof`): self time per
 * function (from the samples and their time deltas), largest first, with
 * file:line relative to the repository. Also the share of idle, GC and
 * "(program)" time, which says whether the process was busy at all.
 */

import fs from 'node:fs';
import path from 'node:path';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  selfMs: number;
  pct: number;
  fn: string;
  where: string;
}

export function summarizeProfile(file: string, repoRoot: string, top = 15): { totalMs: number; idleMs: number; lines: ProfileLine[] } {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { ms: number; fn: string; where: string }>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    total += dt;
    const cf = node.callFrame;
    const url = cf.url.replace(/^file:\/\//, '');
    const where = url ? `${url.startsWith(repoRoot) ? path.relative(repoRoot, url) : url}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName}@${where}`;
    const e = self.get(key) ?? { ms: 0, fn: cf.functionName || '(anonymous)', where };
    e.ms += dt;
    self.set(key, e);
  }
  const idle = [...self.values()].filter((e) => e.fn === '(idle)').reduce((a, e) => a + e.ms, 0);
  const lines = [...self.values()]
    .filter((e) => e.fn !== '(idle)')
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top)
    .map((e) => ({ selfMs: Math.round(e.ms), pct: total > 0 ? Math.round((1000 * e.ms) / total) / 10 : 0, fn: e.fn, where: e.where }));
  return { totalMs: Math.round(total), idleMs: Math.round(idle), lines };
}

export function formatProfile(file: string, repoRoot: string, top = 15): string {
  const s = summarizeProfile(file, repoRoot, top);
  const out = [
    `  profile written to ${path.relative(repoRoot, file)}`,
    `  ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(s.idleMs / 1000).toFixed(1)} s idle; top ${top} by self time (% of all samples):`,
  ];
  for (const l of s.lines) out.push(`    ${String(l.selfMs).padStart(7)} ms ${l.pct.toFixed(1).padStart(5)} %  ${l.fn}  ${l.where}`);
  return out.join('\n');
}

/** The .cpuprofile files in dir (newest last). */
export function profilesIn(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(dir, f))
      .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
  } catch {
    return [];
  }
}

/**
 * After a --profile run: the profiles written to `dir` (paths relative to the
 * repo, for the results file), with the newest one's summary logged.
 */
export function reportProfiles(dir: string, repoRoot: string, log: (line: string) => void): string[] {
  const files = profilesIn(dir);
  if (files.length > 0) log(formatProfile(files[files.length - 1]!, repoRoot));
  else log(`  no .cpuprofile was written to ${dir} (did the device exit cleanly?)`);
  return files.map((f) => path.relative(repoRoot, f));
}
