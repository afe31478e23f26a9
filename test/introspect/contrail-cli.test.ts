/**
 * The Sandesh pages read the way contrail-introspect-cli reads a real
 * control node: the same requests (`ist.py ctr status | nei | ri | route
 * summary | route tables | route show | xmpp conn | uve`), the same XPath
 * queries, following next_batch; the values they extract must be what the
 * JSON API shows for the same node.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLUE, FIXED_NOW, RED, connectAgent, startNode, withRoutes, type Node } from './node.js';
import { Ist, parseSandeshTime, showRoutePath } from './ist.js';

let node: Node;
const ist = (): Ist => new Ist(node.base);
const json = async <T>(path: string): Promise<T> => JSON.parse((await node.get(path)).body) as T;

beforeAll(async () => {
  node = await startNode();
  await withRoutes(node);
});
afterAll(() => node.stop());

describe('ist.py ctr status', () => {
  it('reads the process as contrail-control, Functional, with the BGP peer as a connection', async () => {
    const t = await ist().get('Snh_SandeshUVECacheReq?tname=NodeStatus');
    expect(t.text('//ProcessStatus/module_id')).toEqual(['contrail-control']);
    expect(t.text('//ProcessStatus/state')).toEqual(['Functional']);
    expect(t.table('//ConnectionInfo')).toEqual([['BGP', 'gw', '127.0.0.9:179', 'Down', 'Active']]);
    expect(t.table('//ProcessInfo')).toEqual([]);
  });

  it('finds NodeStatus by the first parameter whatever its name, as a browser link sends it', async () => {
    const t = await ist().get('Snh_SandeshUVECacheReq?x=NodeStatus');
    expect(t.nodes('//*[@type="sandesh"]/data/*').map((n) => n.nodeName)).toEqual(['NodeStatus']);
    expect(t.text('//NodeStatus/name')).toEqual(['cn-test']);
    expect((await ist().get('Snh_SandeshUVETypesReq')).text('//type_name')).toEqual(['NodeStatus', 'BgpRouterState']);
  });
});

describe('ist.py ctr nei', () => {
  const columns = ['peer', 'peer_address', 'peer_asn', 'encoding', 'peer_type', 'state', 'send_state', 'flap_count', 'flap_time'];

  it('lists the BGP peer and both agents with the states the JSON API shows', async () => {
    const rows = (await ist().get('Snh_BgpNeighborReq?search_string=')).table('//BgpNeighborResp', columns);
    const api = await json<{ name: string; address: string; state: string }[]>('/api/neighbors');
    expect(rows.map((r) => [r[0], r[1], r[5]])).toEqual(api.map((n) => [n.name, n.address, n.state]));
    expect(rows).toEqual([
      ['gw', '127.0.0.9', '64512', 'BGP', 'internal', 'Active', '-', '0', 'n/a'],
      ['compute-1', '127.0.0.1', '0', 'XMPP', 'internal', 'Established', '-', '0', 'n/a'],
      ['compute-2', '127.0.0.1', '0', 'XMPP', 'internal', 'Established', '-', '0', 'n/a'],
    ]);
  });

  it('keeps only agents with -t XMPP and only matching names with a search string', async () => {
    const t = await ist().get('Snh_BgpNeighborReq?search_string=');
    expect(t.table("//BgpNeighborResp[encoding='XMPP']", ['peer'])).toEqual([['compute-1'], ['compute-2']]);
    const one = await ist().get('Snh_BgpNeighborReq?search_string=compute-2');
    expect(one.text('//BgpNeighborResp/peer')).toEqual(['compute-2']);
    expect(one.text('//BgpNeighborResp/routing_instances//BgpNeighborRoutingInstance/name')).toEqual([BLUE, RED]);
  });
});

describe('ist.py ctr ri', () => {
  it('shows each instance with the targets the JSON API shows, the automatic one included', async () => {
    const rows = (await ist().get('Snh_ShowRoutingInstanceReq?search_string=')).table('//ShowRoutingInstance',
      ['name', 'vn_index', 'vxlan_id', 'import_target', 'export_target', 'routing_policies']);
    const api = await json<{ name: string; vnIndex: number; importTargets: string[] }[]>('/api/instances');
    const blue = api.find((i) => i.name === BLUE)!;
    expect(rows.find((r) => r[0] === BLUE)).toEqual([BLUE, '1', '0', blue.importTargets.join('\n'), blue.importTargets.join('\n'), '']);
    expect(rows.map((r) => r[0]).sort()).toEqual(api.map((i) => i.name).sort());
  });
});

describe('ist.py ctr route summary / tables', () => {
  it('gives every table the prefix count the JSON summary gives', async () => {
    const t = await ist().get('Snh_ShowRouteSummaryReq?search_string=');
    const rows = t.table('//ShowRouteTableSummary', ['name', 'prefixes', 'paths', 'primary_paths', 'secondary_paths', 'infeasible_paths']);
    const api = await json<{ tables: { name: string; prefixes: number; paths: number }[] }>('/api/summary');
    expect(new Map(rows.map((r) => [r[0], [Number(r[1]), Number(r[2])]]))).toEqual(
      new Map(api.tables.map((x) => [x.name, [x.prefixes, x.paths]])));
    expect(rows.find((r) => r[0] === `${BLUE}.inet.0`)).toEqual([`${BLUE}.inet.0`, '2', '3', '3', '0', '0']);
    expect(rows.find((r) => r[0] === 'bgp.l3vpn.0')).toEqual(['bgp.l3vpn.0', '4', '4', '0', '4', '0']);
  });

  it('names the tables --family inet and inet6 pick, master first', async () => {
    const t = await ist().get('Snh_ShowRouteSummaryReq?search_string=');
    expect(t.text("//ShowRouteTableSummary[contains(name, 'inet.0')]/name")).toEqual(['inet.0', `${BLUE}.inet.0`, `${RED}.inet.0`]);
    expect(t.text("//ShowRouteTableSummary[contains(name, 'inet6.0')]/name")).toEqual(['bgp.l3vpn-inet6.0', 'inet6.0', `${BLUE}.inet6.0`, `${RED}.inet6.0`]);
  });
});

/** ist.py's showRoute_CTR lines, without the ages (they depend on when the test runs). */
function showRouteLines(t: Ist): string[] {
  const out: string[] = [];
  for (const table of t.nodes('//ShowRouteTable')) {
    const f = (n: Element, name: string): string => n.getElementsByTagName(name)[0]?.textContent ?? '';
    out.push(`${f(table, 'routing_table_name')}: ${f(table, 'prefixes')} destinations, ${f(table, 'paths')} routes ` +
      `(${f(table, 'primary_paths')} primary, ${f(table, 'secondary_paths')} secondary, ${f(table, 'infeasible_paths')} infeasible)`);
    for (const route of Array.from(table.getElementsByTagName('ShowRoute'))) {
      out.push(`${f(route, 'prefix')}, last_modified: ${f(route, 'last_modified')}`);
      for (const path of Array.from(route.getElementsByTagName('ShowRoutePath'))) {
        const list = (name: string): string[] =>
          Array.from(path.getElementsByTagName(name)[0]!.getElementsByTagName('element')).map((e) => e.textContent ?? '');
        out.push(`    [${f(path, 'protocol')}|${f(path, 'source')}] localpref: ${f(path, 'local_preference')}, ` +
          `nh: ${f(path, 'next_hop')}, encap: ${JSON.stringify(list('tunnel_encap'))}, label: ${f(path, 'label')}, ` +
          `AS path: ${f(path, 'as_path')}, primary table: ${f(path, 'primary_table')}`);
      }
    }
  }
  return out;
}

type Element = ReturnType<Ist['nodes']>[number];

describe('ist.py ctr route show', () => {
  it('prints a VRF table, its ECMP paths and the route times it can parse', async () => {
    const t = await ist().get(showRoutePath({ table: `${BLUE}.inet.0` }));
    expect(showRouteLines(t)).toEqual([
      `${BLUE}.inet.0: 2 destinations, 3 routes (3 primary, 0 secondary, 0 infeasible)`,
      '10.1.1.3/32, last_modified: 2026-Mar-04 05:06:07.089000',
      '    [XMPP|compute-1] localpref: 100, nh: 192.0.2.21, encap: ["gre","udp"], label: 25, AS path: , primary table: ',
      '    [XMPP|compute-2] localpref: 100, nh: 192.0.2.22, encap: ["gre","udp"], label: 26, AS path: , primary table: ',
      '10.1.1.4/32, last_modified: 2026-Mar-04 05:06:07.089000',
      '    [XMPP|compute-2] localpref: 200, nh: 192.0.2.22, encap: ["gre","udp"], label: 27, AS path: , primary table: ',
    ]);
    expect(t.text('//ShowRoutePath/last_modified').map(parseSandeshTime)).toEqual([FIXED_NOW, FIXED_NOW, FIXED_NOW]);
  });

  it('shows the VPN copy as a secondary path with its primary table', async () => {
    const t = await ist().get(showRoutePath({ family: 'l3vpn', prefix: '192.0.2.22:3:10.1.1.4' }));
    expect(showRouteLines(t)).toEqual([
      'bgp.l3vpn.0: 4 destinations, 4 routes (0 primary, 4 secondary, 0 infeasible)',
      '192.0.2.22:3:10.1.1.4/32, last_modified: 2026-Mar-04 05:06:07.089000',
      `    [XMPP|compute-2] localpref: 200, nh: 192.0.2.22, encap: ["gre","udp"], label: 27, AS path: , primary table: ${BLUE}.inet.0`,
    ]);
  });

  it('finds the routes an address uses with the /32 and shorter_match it sends for an address', async () => {
    const t = await ist().get(showRoutePath({ prefix: '10.2.0.77' }));
    expect(t.text('//ShowRouteTable/routing_table_name')).toEqual([`${RED}.inet.0`]);
    expect(t.text('//ShowRoute/prefix')).toEqual(['10.2.0.0/24']);
  });

  it('filters paths by protocol and source and keeps only routes with paths left', async () => {
    const t = await ist().get(showRoutePath({ vrf: BLUE, protocol: 'XMPP', source: 'compute-1' }));
    expect(t.text('//ShowRouteTable/routing_table_name')).toEqual([`${BLUE}.inet.0`, `${BLUE}.inet6.0`]);
    expect(t.text('//ShowRoute/prefix')).toEqual(['10.1.1.3/32', '2001:db8:5::5/128']);
    expect(t.text('//ShowRoutePath/source')).toEqual(['compute-1', 'compute-1']);
  });

  it('shows every route of every table when asked for nothing, the same routes the JSON API lists', async () => {
    const t = await ist().get(showRoutePath());
    const api = await json<{ tables: { name: string; prefixes: number }[] }>('/api/summary');
    const shown = t.nodes('//ShowRouteTable').map((e): [string, number] => [
      e.getElementsByTagName('routing_table_name')[0]!.textContent ?? '', e.getElementsByTagName('ShowRoute').length]);
    expect(new Map(shown)).toEqual(new Map(api.tables.filter((x) => x.prefixes > 0).map((x) => [x.name, x.prefixes])));
  });
});

describe('ist.py ctr xmpp conn', () => {
  it('lists both agent connections with every ShowXmppConnection column', async () => {
    const rows = (await ist().get('Snh_ShowXmppConnectionReq')).table('//ShowXmppConnection');
    expect(rows.map((r) => [r[0], r[4], r[8], r[9]])).toEqual([
      ['compute-1', 'Established', 'bgp', 'NIL'],
      ['compute-2', 'Established', 'bgp', 'NIL'],
    ]);
    expect(rows[0]![2]).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

describe('paging, as ist.py follows next_batch', () => {
  let small: Node;
  beforeAll(async () => {
    small = await startNode({ routePageSize: 3, pageLimit: 2 });
    const agent = await connectAgent(small, 'compute-9');
    agent.subscribe(BLUE, 3);
    for (let i = 1; i <= 8; i++) agent.publish(BLUE, { prefix: `10.9.0.${i}/32`, nextHop: '192.0.2.29', label: 100 + i });
    await agent.waitFor(() => agent.routes(BLUE).size === 8, 3000, 'eight routes');
    await connectAgent(small, 'compute-8').then((a) => a.waitFor(() => small.server.xmpp!.byName.size === 2, 3000, 'two agents'));
  });
  afterAll(() => small.stop());

  it('gets a table of eight routes in pages of three, every route once, in order', async () => {
    const t = await new Ist(small.base).get(showRoutePath({ table: `${BLUE}.inet.0` }));
    expect(t.pages).toHaveLength(3);
    const api = JSON.parse((await small.get(`/api/routes?table=${BLUE}.inet.0`)).body) as { routes: { prefix: string }[] };
    expect(t.text('//ShowRoute/prefix')).toEqual(api.routes.map((r) => r.prefix).sort((a, b) => Number(a.split('.')[3]!.split('/')[0]) - Number(b.split('.')[3]!.split('/')[0])));
    expect(t.urls[1]).toContain(`Snh_ShowRouteReqIterate?x=||${BLUE}.inet.0||||${BLUE}||${BLUE}.inet.0||10.9.0.4/32||0||||||||false||false`);
  });

  it('gets every table summary and every neighbour across pages', async () => {
    const sum = await new Ist(small.base).get('Snh_ShowRouteSummaryReq?search_string=');
    expect(sum.pages.length).toBeGreaterThan(1);
    const api = JSON.parse((await small.get('/api/summary')).body) as { tables: { name: string }[] };
    expect(sum.text('//ShowRouteTableSummary/name').sort()).toEqual(api.tables.map((x) => x.name).sort());
    const nei = await new Ist(small.base).get('Snh_BgpNeighborReq?search_string=');
    expect(nei.pages).toHaveLength(2);
    expect(nei.text('//BgpNeighborResp/peer')).toEqual(['gw', 'compute-8', 'compute-9']);
  });
});
