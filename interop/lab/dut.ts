/**
 * The device under test: the route reflector at the centre of the lab.
 * `CN_IMPL=control-node` (default) runs our binary from its YAML config;
 * `CN_IMPL=gobgpd` runs gobgpd configured from the very same `CnConfig`
 * (RR for every peer, same cluster id, rtc where 'route-target' is listed),
 * which proves the harness and the test oracles against a known-good reflector.
 */
import type { Lab } from './lab.js';
import { ControlNode } from './control-node.js';
import type { CnConfig, CnFamily } from './control-node.js';
import { GoBgp } from './gobgp.js';
import type { GoBgpConfig, GoBgpFamily } from './gobgp.js';

export type DutImpl = 'control-node' | 'gobgpd';

export interface RouteReflectorDut {
  readonly impl: DutImpl;
  readonly pid: number | undefined;
  start(): Promise<void>;
  /** Resolves with the exit code / signal name (undefined if it was not running). */
  stop(): Promise<number | string | undefined>;
}

/** Reads CN_IMPL. */
export function dutImpl(env: NodeJS.ProcessEnv = process.env): DutImpl {
  const v = env['CN_IMPL'] ?? 'control-node';
  if (v === '' || v === 'control-node') return 'control-node';
  if (v === 'gobgpd') return 'gobgpd';
  throw new Error(`CN_IMPL must be 'control-node' or 'gobgpd', not '${v}'`);
}

const FAMILY: Record<CnFamily, GoBgpFamily> = {
  'inet-vpn': 'l3vpn-ipv4-unicast', 'inet6-vpn': 'l3vpn-ipv6-unicast', 'route-target': 'rtc',
};

/** Translates the control node's config into an equivalent gobgpd route-reflector config. */
export function goBgpRrConfig(cfg: CnConfig): GoBgpConfig {
  const out: GoBgpConfig = {
    asn: cfg.node.asn,
    routerId: cfg.node.routerId,
    localAddress: cfg.bgp.listen.address,
    neighbors: cfg.bgp.peers.map((p) => ({
      address: p.address,
      peerAs: p.asn,
      // rtc first, like the tested cn.toml
      families: [...p.families].sort((a, b) => (a === 'route-target' ? -1 : b === 'route-target' ? 1 : 0)).map((f) => FAMILY[f]),
      routeReflectorClient: p.routeReflectorClient === true,
      clusterId: cfg.node.clusterId ?? cfg.node.routerId,
      connectRetry: 3,
      holdTime: cfg.bgp.holdTime,
      ...(p.passive !== undefined ? { passive: p.passive } : {}),
      ...(p.port !== undefined ? { remotePort: p.port } : {}),
    })),
  };
  if (cfg.bgp.listen.port !== 179) out.port = cfg.bgp.listen.port;
  return out;
}

class GoBgpDut implements RouteReflectorDut {
  readonly impl = 'gobgpd' as const;
  private readonly gobgp: GoBgp;

  constructor(lab: Lab, host: string, cfg: CnConfig) {
    this.gobgp = new GoBgp(lab, host, goBgpRrConfig(cfg));
  }

  get pid(): number | undefined {
    return this.gobgp.pid;
  }

  start(): Promise<void> {
    return this.gobgp.start();
  }

  stop(): Promise<number | string | undefined> {
    return this.gobgp.stop();
  }
}

class ControlNodeDut implements RouteReflectorDut {
  readonly impl = 'control-node' as const;
  private readonly cn: ControlNode;

  constructor(lab: Lab, host: string, cfg: CnConfig) {
    this.cn = new ControlNode(lab, host, cfg);
  }

  get pid(): number | undefined {
    return this.cn.pid;
  }

  start(): Promise<void> {
    return this.cn.start();
  }

  stop(): Promise<number | string | undefined> {
    return this.cn.stop();
  }
}

/** Creates (does not start) the route reflector selected by `impl`. */
export function createRouteReflector(lab: Lab, host: string, cfg: CnConfig, impl: DutImpl = dutImpl()): RouteReflectorDut {
  return impl === 'gobgpd' ? new GoBgpDut(lab, host, cfg) : new ControlNodeDut(lab, host, cfg);
}
