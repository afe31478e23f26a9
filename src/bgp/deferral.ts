/**
 * Restarting-speaker mode (RFC 4724 §4.1, config
 * `bgp.graceful-restart.restarting-speaker`): after our own start, our
 * OPENs carry the R bit and advertisement to BGP peers waits (route
 * selection deferral), so that a gateway that kept our routes stale while
 * we were away gets our full table once, followed by End-of-RIB, instead of
 * a partial one that would make it drop and relearn the rest.
 *
 * The wait ends when every configured peer is settled: Established and
 * its End-of-RIB received for each family it negotiated, or Established
 * without graceful restart (it promises no End-of-RIB, RFC 4724 §2); at
 * `restart-time` after our start, peers not yet Established are given up
 * on (their session failed to come up); at `end-of-rib-timeout` the wait
 * ends whatever is still owed (RFC 4724 §4.1's deferral timer).
 */

import type { Logger } from 'pino';
import type { FamilyName } from './wire/types.js';

export interface DeferralOptions {
  /** Names of the configured peers. */
  readonly peers: readonly string[];
  /** After this, peers not yet Established stop counting, ms. */
  readonly restartMs: number;
  /** After this, the wait ends, ms. */
  readonly endOfRibMs: number;
  /** Called once, when the wait ends. */
  readonly release: () => void;
  readonly logger: Logger;
}

/** Per peer: 'down' until it is Established, then the families whose End-of-RIB is still owed. */
type Owed = 'down' | Set<FamilyName>;

export class UpdateDeferral {
  private readonly owed = new Map<string, Owed>();
  private readonly timers: NodeJS.Timeout[] = [];
  private waiting = true;

  constructor(private readonly o: DeferralOptions) {
    for (const name of o.peers) this.owed.set(name, 'down');
    const arm = (ms: number, fn: () => void): void => {
      const t = setTimeout(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    arm(o.restartMs, () => {
      const gone = [...this.owed].filter(([, v]) => v === 'down').map(([k]) => k);
      if (gone.length > 0) this.o.logger.info({ peers: gone }, 'restart time over: not waiting for peers that are not up');
      for (const name of gone) this.owed.delete(name);
      this.check();
    });
    arm(o.endOfRibMs, () => {
      if (this.waiting) this.o.logger.info({ peers: [...this.owed.keys()] }, 'End-of-RIB timeout: advertising without these peers\' End-of-RIB');
      this.end();
    });
    this.check();
  }

  /** Still deferring advertisements. */
  get active(): boolean {
    return this.waiting;
  }

  /** A peer is Established: with graceful restart it owes End-of-RIB for `families`; without, nothing. */
  established(name: string, gracefulRestart: boolean, families: readonly FamilyName[]): void {
    if (!this.waiting || !this.owed.has(name)) return;
    if (gracefulRestart && families.length > 0) this.owed.set(name, new Set(families));
    else this.owed.delete(name);
    this.check();
  }

  /** A peer's End-of-RIB for a family. */
  endOfRib(name: string, family: FamilyName): void {
    const o = this.owed.get(name);
    if (!this.waiting || o === undefined || o === 'down') return;
    o.delete(family);
    if (o.size === 0) this.owed.delete(name);
    this.check();
  }

  /** A peer was removed (config reload): it owes nothing. */
  removed(name: string): void {
    if (this.owed.delete(name)) this.check();
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.waiting = false;
  }

  private check(): void {
    if (this.waiting && this.owed.size === 0) this.end();
  }

  private end(): void {
    if (!this.waiting) return;
    this.stop();
    this.o.logger.info('restarting speaker: every peer\'s End-of-RIB in (or its timer over), advertising');
    this.o.release();
  }
}
