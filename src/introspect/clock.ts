/**
 * When each path was last modified, in wall-clock time, for introspect's
 * `last_modified` (Contrail's ShowRoute / ShowRoutePath, contrail-control.md
 * §6; contrail-introspect-cli computes route ages from it).
 *
 * The RIB stamps every path with a monotonic counter (`Path.stamp`), not a
 * time, and introspect must cost the RIB nothing per route. So the clock
 * samples (last stamp, time) once a second; a path's time is that of the
 * first sample at or after its stamp — at most a second late — or now for
 * a path newer than the last sample. Paths that existed when introspect
 * started get its start time. Samples are kept only when the stamp moved,
 * and thinned (every other old one dropped) past a bound, so memory stays
 * flat however long the node runs.
 */

import type { Path } from '../rib/types.js';

const MAX_SAMPLES = 65_536;

export class PathClock {
  private stamps: number[] = [];
  private times: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    /** The RIB's latest stamp. */
    private readonly lastStamp: () => number,
    readonly now: () => number = Date.now,
    tickMs = 1000,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), tickMs);
    this.timer.unref();
  }

  /** Epoch milliseconds of the path's last change. */
  time(path: Path): number {
    const s = path.stamp;
    const stamps = this.stamps;
    let lo = 0;
    let hi = stamps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((stamps[mid] as number) < s) lo = mid + 1;
      else hi = mid;
    }
    return lo < stamps.length ? (this.times[lo] as number) : this.now();
  }

  /** Record (last stamp, now) if anything changed since the last sample. */
  sample(): void {
    const s = this.lastStamp();
    if (this.stamps.length > 0 && this.stamps[this.stamps.length - 1] === s) return;
    this.stamps.push(s);
    this.times.push(this.now());
    if (this.stamps.length > MAX_SAMPLES) {
      // Keep the first (start-up) sample and every other one after it.
      this.stamps = this.stamps.filter((_, i) => i === 0 || i % 2 === 1);
      this.times = this.times.filter((_, i) => i === 0 || i % 2 === 1);
    }
  }

  /** Stop sampling (introspect is closing). */
  close(): void {
    clearInterval(this.timer);
  }
}
