/**
 * Agent host: a child process running many light vRouter agents over TCP.
 *
 * What an agent sends is built with our XMPP builders (src/xmpp/wire:
 * stream header, subscribe with instance-id, publish + collection per route,
 * End-of-RIB, each iq after an XML declaration like real agents); the first
 * publish is built at init, before the clock starts (a real agent's cost,
 * on its own machine). What it
 * receives is not fully parsed: a regex over complete `<message>`s picks
 * `<items node=…>`, `<item id=…>`, `<next-hop>`, `</item>` and `<retract id=…>`,
 * which is enough to keep, per table, item id → number of next hops. An
 * agent is "full" when every subscribed table has exactly the expected
 * prefixes and next hops (ECMP items included).
 *
 * IPC (driver → host):  init | connect | publish | flap | stats | exit
 *         (host → driver): connected | full {t} | notfull | flapfull {t} | stats | error
 */

import net from 'node:net';
import { agentEndOfRib, agentStreamHeader, publishInet, subscribeIq } from '../../src/xmpp/wire/agent-builders.js';
import { KEEPALIVE } from '../../src/xmpp/wire/constants.js';
import { now, sleep } from './procs.js';
import {
  agentInstances, agentName, agentAddress, agentRoutes, expected, instanceName, type XmppParams,
} from './xmpp-workload.js';

interface Table {
  ids: Map<string, number>;
  nh: number;
}

const send = (m: unknown): void => {
  if (process.connected) process.send!(m);
};

let host = '127.0.0.1';
let port = 0;
let params: XmppParams;
let want: { prefixes: number; paths: number }[] = [];
let publishing = false;
let lastChangeAt = 0;
let fullCount = 0;
let items = 0;
let retracts = 0;
let bytes = 0;
let reconnects = 0;
const errors: string[] = [];
const agents: Agent[] = [];
let flapping = new Set<Agent>();

const TOKENS = /<items node="([^"]*)"|<item id="([^"]*)"|<retract id="([^"]*)"|<next-hop>|<\/item>/g;

class Agent {
  readonly name: string;
  readonly instances: number[];
  sock: net.Socket | undefined;
  open = false;
  full = false;
  fullAt = 0;
  tables = new Map<string, Table>();
  private text = '';
  private seq = 0;
  private expectClose = false;
  /** The first publish, built before the clock starts (prepare()). */
  private prepared: Buffer | undefined;

  constructor(readonly j: number) {
    this.name = agentName(j);
    this.instances = agentInstances(params, j);
  }

  /** TCP connect + stream headers, bounded; retries when the CN drops us. */
  async connect(tries = 20): Promise<void> {
    for (let attempt = 0; attempt < tries; attempt++) {
      if (attempt > 0) {
        reconnects++;
        await sleep(200);
      }
      if (await this.once()) return;
    }
    throw new Error(`${this.name}: no XMPP session after ${tries} attempts`);
  }

  private once(): Promise<boolean> {
    this.reset();
    return new Promise((resolve) => {
      const s = net.connect({ host, port });
      this.sock = s;
      s.setNoDelay(true);
      const t = setTimeout(() => s.destroy(), 10_000);
      let head = '';
      s.on('connect', () => s.write(agentStreamHeader({ from: this.name })));
      s.on('error', () => undefined);
      s.on('close', () => {
        clearTimeout(t);
        const was = this.open;
        this.open = false;
        if (!was) resolve(false);
        else this.lost();
      });
      const onHead = (chunk: Buffer): void => {
        head += chunk.toString('latin1');
        const at = head.indexOf('<stream:stream');
        if (at < 0 || head.indexOf('>', at) < 0) return;
        clearTimeout(t);
        s.off('data', onHead);
        s.on('data', (c: Buffer) => this.data(c));
        this.open = true;
        s.write(KEEPALIVE);
        const rest = head.slice(head.indexOf('>', at) + 1);
        if (rest) this.data(Buffer.from(rest, 'latin1'));
        if (publishing) this.publish();
        resolve(true);
      };
      s.on('data', onHead);
    });
  }

  private reset(): void {
    this.tables = new Map();
    this.text = '';
    this.setFull(false);
  }

  /** Session gone while it should be up: count it, and come back (the CN may have refused a duplicate name). */
  private lost(): void {
    if (this.expectClose) {
      this.expectClose = false;
      return;
    }
    this.reset();
    errors.push(`${this.name}: session closed by the control node`);
    void this.connect().catch((e: Error) => errors.push(e.message));
  }

  /**
   * Build the first publish ahead of time: a real agent builds its
   * stanzas on its own compute node, so the ~1.5 CPU s a host of 1000
   * agents spends on it is kept out of the timed run, where it competed
   * with the device for this machine's cores.
   */
  prepare(): void {
    this.prepared = this.build();
  }

  publish(): void {
    const bytes = this.prepared ?? this.build();
    this.prepared = undefined;
    this.sock?.write(bytes);
  }

  private build(): Buffer {
    const out: string[] = [];
    const base = { agent: this.name, declaration: true };
    for (const i of this.instances) out.push(subscribeIq({ ...base, id: `subscribe${this.seq++}`, instance: instanceName(i), instanceId: i + 1 }));
    for (const r of agentRoutes(params, this.j)) {
      out.push(publishInet({
        ...base, seq: this.seq++, instance: instanceName(r.instance),
        route: { prefix: r.prefix, nextHop: agentAddress(this.j), label: r.label, encapsulations: ['gre', 'udp'], securityGroups: [8000001 + r.instance] },
      }));
    }
    out.push(agentEndOfRib({ ...base, seq: this.seq++ }));
    return Buffer.from(out.join(''));
  }

  /** Abrupt drop (no stream close), like a crashing agent. */
  drop(): void {
    this.expectClose = true;
    this.reset();
    this.sock?.destroy();
  }

  private data(chunk: Buffer): void {
    bytes += chunk.length;
    this.text += chunk.toString('latin1');
    const end = this.text.lastIndexOf('</message>');
    if (end < 0) return;
    const cut = end + '</message>'.length;
    const region = this.text.slice(0, cut);
    this.text = this.text.slice(cut);
    let table: Table | undefined;
    let id: string | undefined;
    let nh = 0;
    let changed = false;
    TOKENS.lastIndex = 0;
    for (let m = TOKENS.exec(region); m !== null; m = TOKENS.exec(region)) {
      const tok = m[0];
      if (m[1] !== undefined) {
        table = this.tables.get(m[1]);
        if (!table) this.tables.set(m[1], (table = { ids: new Map(), nh: 0 }));
      } else if (m[2] !== undefined) {
        id = m[2];
        nh = 0;
      } else if (tok === '<next-hop>') nh++;
      else if (tok === '</item>' && id !== undefined && table) {
        table.nh += nh - (table.ids.get(id) ?? 0);
        table.ids.set(id, nh);
        id = undefined;
        items++;
        changed = true;
      } else if (m[3] !== undefined && table) {
        table.nh -= table.ids.get(m[3]) ?? 0;
        table.ids.delete(m[3]);
        retracts++;
        changed = true;
      }
    }
    if (changed) {
      lastChangeAt = now();
      this.check();
    }
  }

  private check(): void {
    let ok = true;
    for (const i of this.instances) {
      const t = this.tables.get(`1/1/${instanceName(i)}`);
      const w = want[i]!;
      if (!t || t.ids.size !== w.prefixes || t.nh !== w.paths) {
        ok = false;
        break;
      }
    }
    this.setFull(ok);
  }

  private setFull(ok: boolean): void {
    if (ok === this.full) return;
    this.full = ok;
    if (ok) {
      this.fullAt = now();
      fullCount++;
      if (fullCount === agents.length) send({ ev: 'full', t: this.fullAt });
      if (flapping.has(this) && [...flapping].every((a) => a.full)) send({ ev: 'flapfull', t: this.fullAt });
    } else {
      if (fullCount === agents.length) send({ ev: 'notfull', t: now() });
      fullCount--;
    }
  }
}

async function pool<T>(xs: T[], limit: number, f: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, xs.length) }, async () => {
      while (next < xs.length) await f(xs[next++]!);
    }),
  );
}

function pct(xs: number[], q: number): number {
  const v = [...xs].sort((a, b) => a - b);
  return v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))]! : NaN;
}

process.on('message', (m: { cmd: string; params?: XmppParams; host?: string; port?: number; indices?: number[]; concurrency?: number; t0?: number }) => {
  const fail = (e: unknown): void => send({ ev: 'error', msg: (e as Error).message ?? String(e) });
  switch (m.cmd) {
    case 'init':
      params = m.params!;
      host = m.host!;
      port = m.port!;
      want = expected(params).perInstance;
      for (const j of m.indices ?? []) agents.push(new Agent(j));
      for (const a of agents) a.prepare();
      setInterval(() => {
        for (const a of agents) if (a.open) a.sock?.write(KEEPALIVE);
      }, 10_000).unref();
      send({ ev: 'ready' });
      break;
    case 'connect': {
      const t0 = now();
      pool(agents, m.concurrency ?? 100, (a) => a.connect())
        .then(() => send({ ev: 'connected', t: now(), seconds: now() - t0 }))
        .catch(fail);
      break;
    }
    case 'publish':
      publishing = true;
      for (const a of agents) if (a.open) a.publish();
      send({ ev: 'published', t: now() });
      break;
    case 'flap': {
      const set = new Set((m.indices ?? []).map((j) => agents.find((a) => a.j === j)!).filter(Boolean));
      flapping = set;
      if (set.size === 0) send({ ev: 'flapfull', t: now() });
      for (const a of set) a.drop();
      Promise.all([...set].map((a) => a.connect())).then(() => send({ ev: 'reconnected', t: now() }), fail);
      break;
    }
    case 'stats': {
      const u = process.cpuUsage();
      const t0 = m.t0 ?? 0;
      const fulls = agents.filter((a) => a.full).map((a) => a.fullAt - t0);
      send({
        ev: 'stats', fullCount, total: agents.length, lastChangeAt, items, retracts, bytes, reconnects,
        errors: errors.slice(0, 10), errorCount: errors.length, cpu: (u.user + u.system) / 1e6,
        fullP50: pct(fulls, 0.5), fullP99: pct(fulls, 0.99), fullMax: pct(fulls, 1),
      });
      break;
    }
    case 'exit':
      for (const a of agents) a.drop();
      setTimeout(() => process.exit(0), 200);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
