/**
 * Prometheus metrics (prom-client), read from the running pieces at scrape
 * time, named like the exporters operators already use (gobgp_exporter,
 * frr_exporter; shared/docs/ecosystem.md §5) under the prefix control_node_.
 */

import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { IntrospectSources } from './sources.js';
import { tables } from './views.js';

export function metricsRegistry(s: IntrospectSources): Registry {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg, prefix: 'control_node_' });
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void): void => {
    new Gauge({ name: `control_node_${name}`, help, labelNames, registers: [reg], collect() { this.reset(); collect(this); } });
  };
  gauge('bgp_peer_up', 'BGP session Established (1) or not (0)', ['peer'], (g) => {
    for (const e of s.bgp.peers.values()) g.set({ peer: e.config.name }, e.rib.up ? 1 : 0);
  });
  gauge('bgpaas_session_up', 'BGP-as-a-Service session Established (1) or not (0), by routing instance', ['session', 'instance'], (g) => {
    for (const e of s.bgp.peers.values()) {
      if (e.config.instance !== undefined) g.set({ session: e.config.name, instance: e.config.instance }, e.rib.up ? 1 : 0);
    }
  });
  gauge('bgp_peer_flaps', 'Times the BGP session left Established', ['peer'], (g) => {
    for (const e of s.bgp.peers.values()) g.set({ peer: e.config.name }, e.session.stats.flaps);
  });
  gauge('bgp_peer_received_routes', 'Paths the peer has in our tables', ['peer'], (g) => {
    for (const e of s.bgp.peers.values()) g.set({ peer: e.config.name }, e.rib.paths);
  });
  gauge('bgp_updates_received', 'UPDATE messages received', ['peer'], (g) => {
    for (const e of s.bgp.peers.values()) g.set({ peer: e.config.name }, e.session.stats.updatesIn);
  });
  gauge('bgp_updates_sent', 'UPDATE messages sent', ['peer'], (g) => {
    for (const e of s.bgp.peers.values()) g.set({ peer: e.config.name }, e.session.stats.updatesOut);
  });
  gauge('bgp_malformed_updates', 'UPDATEs with RFC 7606 faults, by action', ['peer', 'action'], (g) => {
    for (const e of s.bgp.peers.values()) {
      for (const [action, n] of Object.entries(e.session.stats.faults)) g.set({ peer: e.config.name, action }, n);
    }
  });
  gauge('xmpp_sessions', 'Agent XMPP sessions up', [], (g) => {
    g.set([...(s.xmpp?.channels ?? [])].filter((c) => c.state === 'established').length);
  });
  gauge('xmpp_sessions_closed', 'Agent XMPP sessions ended, by reason', ['reason'], (g) => {
    for (const [reason, n] of s.xmpp?.closeReasons ?? []) g.set({ reason }, n);
  });
  gauge('xmpp_unsupported_items', 'Agent items of families not carried (EVPN, multicast, ...), by afi/safi', ['family'], (g) => {
    for (const [family, n] of s.xmpp?.unsupportedItems ?? []) g.set({ family }, n);
  });
  // A counter by name and type (Prometheus), read at scrape time like the gauges.
  new Counter({
    name: 'control_node_config_reloads_total', help: 'Config reloads, by result (ok: applied; failed: refused or not loaded)',
    labelNames: ['result'], registers: [reg],
    collect() {
      this.reset();
      if (!s.reloads) return;
      this.inc({ result: 'ok' }, s.reloads.ok);
      this.inc({ result: 'failed' }, s.reloads.failed);
    },
  });
  gauge('routes', 'Prefixes per table', ['table'], (g) => {
    for (const [name, t] of tables(s)) g.set({ table: name }, t.size);
  });
  gauge('paths', 'Paths per table', ['table'], (g) => {
    for (const [name, t] of tables(s)) g.set({ table: name }, t.paths);
  });
  return reg;
}
