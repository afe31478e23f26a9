import { describe, expect, it } from 'vitest';
import { extCommunityToString } from '../../src/bgp/wire/index.js';
import { autoTarget, RoutingInstance } from '../../src/routing-instances/instance.js';
import type { RoutingInstanceName } from '../../src/routing-instances/name.js';

describe('an instance\'s automatic route target (contrail-control.md §4.3)', () => {
  it.each([
    [64512, 1, 'target:64512:8000001'], [64512, 2, 'target:64512:8000002'], [64512, 7, 'target:64512:8000007'],
    [4200000000, 1, 'target:4200000000:8001'], [4200000000, 2, 'target:4200000000:8002'], [4200000000, 7, 'target:4200000000:8007'],
  ])('under AS %d for instance id %d is %s, imported and exported', (asn, id, text) => {
    expect(extCommunityToString(autoTarget(asn, id))).toBe(text);
    const inst = RoutingInstance.fromSpec({ name: 'default-domain:demo:blue:blue' as RoutingInstanceName, id, vnIndex: 1, importTargets: [], exportTargets: [] }, asn);
    expect([...inst.importTargets].map(extCommunityToString)).toEqual([text]);
    expect([...inst.exportTargets].map(extCommunityToString)).toEqual([text]);
  });

  it('is refused at configuration time when 8000 + id does not fit a 4-octet-AS target', () => {
    expect(() => autoTarget(4200000000, 60000)).toThrow(RangeError);
  });
});
