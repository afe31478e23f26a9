/**
 * XMPP graceful restart, helper side (shared/docs/contrail-control.md §5.4):
 * when an agent's session drops (the transport, or its hold timer — not a
 * protocol error, a refusal or our own stop), its paths stay, stale, and
 * its subscriptions keep asking for their instances' targets, for
 * restart-time. The same agent coming back from the same address inherits
 * them: it is the same source of paths, so what it publishes again replaces
 * the stale paths; what it does not is swept at its End-of-RIB (the empty
 * publish + collection pair) or when the End-of-RIB timer armed at its
 * return runs out. If it does not come back within restart-time,
 * everything it left goes, unless long-lived graceful restart is on
 * (long-lived-stale-time, after RFC 9494 §4.2 as Contrail applies it to
 * agents): then its paths stay for that long more, long-lived stale (the
 * LLGR_STALE community: least preferred; those with NO_LLGR go at once),
 * and its return within that time is handled as within restart-time.
 */

import type { Logger } from 'pino';
import type { Rib } from '../rib/rib.js';
import type { Table } from '../rib/table.js';
import type { PeerInfo } from '../rib/types.js';
import type { RoutingInstance } from '../routing-instances/instance.js';
import type { InstanceManager } from '../routing-instances/manager.js';

/** What an agent session leaves when it ends gracefully. */
export interface KeptAgent {
  /** The agent as a source of paths: the same object carries over to its next session. */
  readonly info: PeerInfo;
  /** Tables holding its paths. */
  readonly tables: readonly Table[];
  /** Instances it was subscribed to (still counted as subscribed while kept). */
  readonly instances: readonly RoutingInstance[];
}

export interface AgentRestartOptions {
  readonly rib: Rib;
  readonly manager: InstanceManager;
  /** How long an agent has to come back, ms. */
  readonly restartMs: number;
  /** How long more its paths stay, long-lived stale, when it has not, ms; 0: they go at restartMs. */
  readonly longLivedMs: number;
  /** How long an agent that came back has to send its End-of-RIB, ms. */
  readonly endOfRibMs: number;
  readonly logger: Logger;
}

/** Session ends after which an agent's state is kept: the transport went, or it fell silent. */
const GRACEFUL = [/^connection closed$/, /^socket error/, /^hold timer expired$/];

export function keepsState(reason: string): boolean {
  return GRACEFUL.some((r) => r.test(reason));
}

interface Entry {
  readonly agent: KeptAgent;
  readonly address: string;
  timer: NodeJS.Timeout;
  /** Its paths are long-lived stale now. */
  longLived: boolean;
}

export class AgentRestarts {
  private readonly kept = new Map<string, Entry>();

  constructor(private readonly o: AgentRestartOptions) {}

  /** An agent's session ended gracefully: keep what it left, stale, for restart-time. */
  keep(agent: KeptAgent, address: string): void {
    this.sweep(agent.info.name); // an older generation, if any, goes first
    agent.info.staleBefore = this.o.rib.lastStamp;
    const timer = setTimeout(() => this.restartTimeUp(agent.info.name), this.o.restartMs);
    timer.unref();
    this.kept.set(agent.info.name, { agent, address, timer, longLived: false });
    this.o.logger.info({ agent: agent.info.name, restartSeconds: this.o.restartMs / 1000 }, 'keeping the routes of a restarting agent');
  }

  /** Not back within restart-time: its paths go, or turn long-lived stale for long-lived-stale-time. */
  private restartTimeUp(name: string): void {
    const e = this.kept.get(name);
    if (!e) return;
    const before = e.agent.info.staleBefore;
    if (this.o.longLivedMs === 0 || before === undefined) {
      this.o.logger.info({ agent: name }, 'agent did not come back within the restart time: its stale routes go');
      this.sweep(name);
      return;
    }
    let removed = 0;
    for (const t of e.agent.tables) removed += this.o.rib.markLongLivedStale(t, e.agent.info, before).removed;
    e.longLived = true;
    e.timer = setTimeout(() => {
      this.o.logger.info({ agent: name }, 'agent did not come back within the long-lived stale time: its routes go');
      this.sweep(name);
    }, this.o.longLivedMs);
    e.timer.unref();
    this.o.logger.info({ agent: name, longLivedSeconds: this.o.longLivedMs / 1000, noLlgrRemoved: removed }, 'agent did not come back within the restart time: its routes are long-lived stale');
  }

  /**
   * An agent opened a session: when it left state from the same address, it
   * gets its old identity back and has until its End-of-RIB (or the timer)
   * to send its routes again.
   */
  inherit(name: string, address: string): PeerInfo | undefined {
    const e = this.kept.get(name);
    if (!e) return undefined;
    if (e.address !== address) {
      this.sweep(name);
      return undefined;
    }
    clearTimeout(e.timer);
    e.timer = setTimeout(() => this.sweep(name), this.o.endOfRibMs);
    e.timer.unref();
    return e.agent.info;
  }

  /** The agent's End-of-RIB: what it did not send again is gone. */
  endOfRib(name: string): void {
    this.sweep(name);
  }

  /** Remove what an agent left that is still stale, and its old subscriptions. */
  sweep(name: string): void {
    const e = this.kept.get(name);
    if (!e) return;
    this.kept.delete(name);
    clearTimeout(e.timer);
    const { info, tables, instances } = e.agent;
    const before = info.staleBefore;
    if (before !== undefined) for (const t of tables) this.o.rib.removeSource(t, info, before);
    info.staleBefore = undefined;
    for (const inst of instances) this.o.manager.unsubscribe(inst);
  }

  /** Agents whose state is kept (introspect). */
  get size(): number {
    return this.kept.size;
  }

  stop(): void {
    for (const e of this.kept.values()) clearTimeout(e.timer);
  }
}
