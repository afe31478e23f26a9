/**
 * The pure BGP FSM (src/bgp/fsm.ts): every transition it implements, OPEN
 * validation (RFC 4271 §6.2), RFC 6608 FSM-error subcodes, hold-time
 * negotiation, keepalive timing, collision resolution and the OPEN we send.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AS_TRANS,
  buildOpen,
  collisionWinner,
  describeNotification,
  shutdownCommunication,
  step,
  validateOpen,
} from '../../src/bgp/fsm.js';
import type { FsmAction, FsmConfig, FsmInput, FsmState, Negotiated, StateName } from '../../src/bgp/fsm.js';
import type { Capability, Fault, OpenMessage, UpdateMessage } from '../../src/bgp/wire/types.js';

// ---------------------------------------------------------------- fixtures

const CFG: FsmConfig = {
  localAs: 64512,
  peerAs: 64513,
  routerId: 0x0a000001,
  holdTime: 90,
  connectRetry: 5,
  passive: false,
  families: [
    { afi: 1, safi: 1 },
    { afi: 1, safi: 128 },
  ],
};
const PASSIVE: FsmConfig = { ...CFG, passive: true };
const IBGP: FsmConfig = { ...CFG, peerAs: 64512 };

function peerOpen(over: Partial<OpenMessage> = {}): OpenMessage {
  const capabilities: Capability[] = [
    { code: 1, afi: 1, safi: 1 },
    { code: 1, afi: 1, safi: 128 },
    { code: 2 },
    { code: 65, asn: 64513 },
  ];
  return { type: 'open', version: 4, myAs: 64513, holdTime: 90, bgpId: 0x0a000002, capabilities, ...over };
}

function negotiated(open: OpenMessage = peerOpen(), cfg: FsmConfig = CFG): Negotiated {
  const r = validateOpen(open, cfg);
  if (!r.ok) throw new Error(`fixture OPEN rejected: ${r.detail}`);
  return r.negotiated;
}

const N = negotiated();
const S: Record<StateName, FsmState> = {
  Idle: { name: 'Idle' },
  Connect: { name: 'Connect' },
  Active: { name: 'Active' },
  OpenSent: { name: 'OpenSent' },
  OpenConfirm: { name: 'OpenConfirm', negotiated: N },
  Established: { name: 'Established', negotiated: N },
};

const UPDATE: UpdateMessage = { type: 'update', withdrawn: [], attrs: {}, nlri: [{ family: 'inet' as const, addr: 0x0a000000, len: 8 }] };
const msg = {
  open: { kind: 'message-received', message: peerOpen() },
  keepalive: { kind: 'message-received', message: { type: 'keepalive' } },
  update: { kind: 'message-received', message: UPDATE },
  refresh: { kind: 'message-received', message: { type: 'route-refresh', afi: 1, safi: 128, subtype: 0 } },
  notification: {
    kind: 'message-received',
    message: { type: 'notification', code: 6, subcode: 2, data: new Uint8Array(0) },
  },
} as const satisfies Record<string, FsmInput>;
const timer = (t: 'connect-retry' | 'idle-hold' | 'hold' | 'keepalive' | 'send-hold'): FsmInput => ({
  kind: 'timer-expired',
  timer: t,
});

// Action builders, to keep the tables readable.
const connect: FsmAction = { type: 'connect' };
const close: FsmAction = { type: 'close-connection' };
const arm = (t: 'connect-retry' | 'idle-hold' | 'hold' | 'keepalive', s: number): FsmAction => ({
  type: 'arm-timer',
  timer: t,
  seconds: s,
});
const cancel = (t: 'connect-retry' | 'idle-hold' | 'hold' | 'keepalive'): FsmAction => ({ type: 'cancel-timer', timer: t });
const sendKeepalive: FsmAction = { type: 'send', message: { type: 'keepalive' } };
const sendNote = (code: number, subcode: number, data = new Uint8Array(0)): FsmAction => ({
  type: 'send',
  message: { type: 'notification', code, subcode, data },
});
const cancels = [cancel('connect-retry'), cancel('hold'), cancel('keepalive')];
const idleHold = arm('idle-hold', 5);

function downOf(actions: readonly FsmAction[]): Extract<FsmAction, { type: 'down' }> | undefined {
  return actions.find((a): a is Extract<FsmAction, { type: 'down' }> => a.type === 'down');
}

// ---------------------------------------------------------------- transitions

interface Row {
  readonly name: string;
  readonly from: StateName;
  readonly input: FsmInput;
  readonly cfg?: FsmConfig;
  readonly to: StateName;
  readonly actions: readonly FsmAction[];
}

const openSentEntry = [cancel('connect-retry'), { type: 'send', message: buildOpen(CFG) }, arm('hold', 240)] as const;

const rows: Row[] = [
  // Idle
  { name: 'Idle start connects and arms connect-retry', from: 'Idle', input: { kind: 'start' }, to: 'Connect', actions: [cancel('idle-hold'), connect, arm('connect-retry', 5)] },
  { name: 'Idle start of a passive peer waits in Active', from: 'Idle', input: { kind: 'start' }, cfg: PASSIVE, to: 'Active', actions: [cancel('idle-hold')] },
  { name: 'Idle idle-hold expiry is an automatic start', from: 'Idle', input: timer('idle-hold'), to: 'Connect', actions: [cancel('idle-hold'), connect, arm('connect-retry', 5)] },
  { name: 'Idle stop cancels a pending automatic start', from: 'Idle', input: { kind: 'stop' }, to: 'Idle', actions: [cancel('idle-hold')] },
  { name: 'Idle ignores a message', from: 'Idle', input: msg.keepalive, to: 'Idle', actions: [] },
  { name: 'Idle ignores a hold timer expiry', from: 'Idle', input: timer('hold'), to: 'Idle', actions: [] },
  // Connect
  { name: 'Connect tcp-connected sends OPEN and arms the large hold timer', from: 'Connect', input: { kind: 'tcp-connected' }, to: 'OpenSent', actions: [...openSentEntry] },
  { name: 'Connect tcp-failed goes to Active and retries later', from: 'Connect', input: { kind: 'tcp-failed', detail: 'ECONNREFUSED' }, to: 'Active', actions: [close, arm('connect-retry', 5)] },
  { name: 'Connect tcp-closed goes to Active and retries later', from: 'Connect', input: { kind: 'tcp-closed' }, to: 'Active', actions: [close, arm('connect-retry', 5)] },
  { name: 'Connect connect-retry expiry abandons the attempt and tries again', from: 'Connect', input: timer('connect-retry'), to: 'Connect', actions: [close, connect, arm('connect-retry', 5)] },
  { name: 'Connect start changes nothing', from: 'Connect', input: { kind: 'start' }, to: 'Connect', actions: [] },
  { name: 'Connect stop closes without NOTIFICATION and reports admin-stop', from: 'Connect', input: { kind: 'stop' }, to: 'Idle', actions: [close, ...cancels, { type: 'down', reason: 'admin-stop', from: 'Connect', detail: 'administratively stopped' }] },
  { name: 'Connect reset (no OPEN exchanged) drops the attempt and restarts later', from: 'Connect', input: { kind: 'reset', code: 6, subcode: 8, detail: 'internal error' }, to: 'Idle', actions: [close, ...cancels, idleHold, { type: 'down', reason: 'connection-failed', from: 'Connect', detail: 'internal error' }] },
  // Active
  { name: 'Active tcp-connected (inbound) sends OPEN', from: 'Active', input: { kind: 'tcp-connected' }, to: 'OpenSent', actions: [...openSentEntry] },
  { name: 'Active connect-retry expiry connects again', from: 'Active', input: timer('connect-retry'), to: 'Connect', actions: [connect, arm('connect-retry', 5)] },
  { name: 'Active connect-retry expiry of a passive peer keeps waiting', from: 'Active', input: timer('connect-retry'), cfg: PASSIVE, to: 'Active', actions: [] },
  { name: 'Active tcp-closed of nothing changes nothing', from: 'Active', input: { kind: 'tcp-closed' }, to: 'Active', actions: [] },
  { name: 'Active stop reports admin-stop without restart', from: 'Active', input: { kind: 'stop' }, to: 'Idle', actions: [close, ...cancels, { type: 'down', reason: 'admin-stop', from: 'Active', detail: 'administratively stopped' }] },
  { name: 'Active reset drops nothing but restarts later', from: 'Active', input: { kind: 'reset', code: 6, subcode: 8, detail: 'internal error' }, to: 'Idle', actions: [close, ...cancels, idleHold, { type: 'down', reason: 'connection-failed', from: 'Active', detail: 'internal error' }] },
  // OpenSent
  { name: 'OpenSent valid OPEN sends KEEPALIVE and arms the negotiated timers', from: 'OpenSent', input: msg.open, to: 'OpenConfirm', actions: [sendKeepalive, arm('hold', 90), arm('keepalive', 30)] },
  { name: 'OpenSent tcp-closed goes back to Active with connect-retry', from: 'OpenSent', input: { kind: 'tcp-closed' }, to: 'Active', actions: [close, cancel('hold'), arm('connect-retry', 5)] },
  { name: 'OpenSent tcp-failed of a passive peer goes back to Active', from: 'OpenSent', input: { kind: 'tcp-failed', detail: 'ECONNRESET' }, cfg: PASSIVE, to: 'Active', actions: [close, cancel('hold')] },
  { name: 'OpenSent hold expiry sends 4/0', from: 'OpenSent', input: timer('hold'), to: 'Idle', actions: [sendNote(4, 0), close, ...cancels, idleHold, { type: 'down', reason: 'hold-timer-expired', from: 'OpenSent', detail: 'hold timer expired', notification: { direction: 'sent', code: 4, subcode: 0, data: new Uint8Array(0) } }] },
  { name: 'OpenSent NOTIFICATION closes and reports it', from: 'OpenSent', input: msg.notification, to: 'Idle', actions: [close, ...cancels, idleHold, { type: 'down', reason: 'notification-received', from: 'OpenSent', detail: 'NOTIFICATION 6/2 (Cease)', notification: { direction: 'received', code: 6, subcode: 2, data: new Uint8Array(0) } }] },
  { name: 'OpenSent start changes nothing', from: 'OpenSent', input: { kind: 'start' }, to: 'OpenSent', actions: [] },
  // OpenConfirm
  { name: 'OpenConfirm KEEPALIVE establishes the session', from: 'OpenConfirm', input: msg.keepalive, to: 'Established', actions: [arm('hold', 90), { type: 'established', negotiated: N }] },
  { name: 'OpenConfirm keepalive timer sends KEEPALIVE and re-arms', from: 'OpenConfirm', input: timer('keepalive'), to: 'OpenConfirm', actions: [sendKeepalive, arm('keepalive', 30)] },
  { name: 'OpenConfirm tcp-closed reports connection-closed', from: 'OpenConfirm', input: { kind: 'tcp-closed' }, to: 'Idle', actions: [close, ...cancels, idleHold, { type: 'down', reason: 'connection-closed', from: 'OpenConfirm', detail: 'peer closed the connection' }] },
  { name: 'OpenConfirm tcp-failed reports connection-failed', from: 'OpenConfirm', input: { kind: 'tcp-failed', detail: 'ECONNRESET' }, to: 'Idle', actions: [close, ...cancels, idleHold, { type: 'down', reason: 'connection-failed', from: 'OpenConfirm', detail: 'ECONNRESET' }] },
  // Established
  { name: 'Established KEEPALIVE restarts the hold timer', from: 'Established', input: msg.keepalive, to: 'Established', actions: [arm('hold', 90)] },
  { name: 'Established UPDATE restarts the hold timer and is delivered', from: 'Established', input: msg.update, to: 'Established', actions: [arm('hold', 90), { type: 'deliver', message: UPDATE }] },
  { name: 'Established ROUTE-REFRESH for a negotiated family is delivered', from: 'Established', input: msg.refresh, to: 'Established', actions: [arm('hold', 90), { type: 'deliver', message: msg.refresh.message }] },
  { name: 'Established ROUTE-REFRESH for an unnegotiated family is ignored (RFC 2918 §4)', from: 'Established', input: { kind: 'message-received', message: { type: 'route-refresh', afi: 2, safi: 1, subtype: 0 } }, to: 'Established', actions: [arm('hold', 90)] },
  { name: 'Established keepalive timer sends KEEPALIVE and re-arms', from: 'Established', input: timer('keepalive'), to: 'Established', actions: [sendKeepalive, arm('keepalive', 30)] },
  { name: 'Established hold expiry sends 4/0 and goes down', from: 'Established', input: timer('hold'), to: 'Idle', actions: [sendNote(4, 0), close, ...cancels, idleHold, { type: 'down', reason: 'hold-timer-expired', from: 'Established', detail: 'hold timer expired', notification: { direction: 'sent', code: 4, subcode: 0, data: new Uint8Array(0) } }] },
  { name: 'Established tcp-closed reports connection-closed', from: 'Established', input: { kind: 'tcp-closed', detail: 'EOF' }, to: 'Idle', actions: [close, ...cancels, idleHold, { type: 'down', reason: 'connection-closed', from: 'Established', detail: 'EOF' }] },
  { name: 'Established start changes nothing', from: 'Established', input: { kind: 'start' }, to: 'Established', actions: [] },
];

describe('FSM transitions', () => {
  it.each(rows)('$name', (row) => {
    const r = step(S[row.from], row.input, row.cfg ?? CFG);
    expect(r.state.name).toBe(row.to);
    expect(r.actions).toEqual(row.actions);
  });
});

describe('teardown from OpenSent, OpenConfirm and Established', () => {
  const states = ['OpenSent', 'OpenConfirm', 'Established'] as const;

  it.each(states)('stop in %s sends Cease 6/2, reports admin-stop and does not restart', (from) => {
    const r = step(S[from], { kind: 'stop' }, CFG);
    expect(r.state.name).toBe('Idle');
    expect(r.actions[0]).toEqual(sendNote(6, 2));
    expect(r.actions).not.toContainEqual(idleHold);
    expect(downOf(r.actions)).toMatchObject({ reason: 'admin-stop', from, notification: { direction: 'sent', code: 6, subcode: 2 } });
  });

  it.each(states)('stop with a message in %s carries an RFC 9003 shutdown communication', (from) => {
    const r = step(S[from], { kind: 'stop', subcode: 4, message: 'maintenance' }, CFG);
    expect(r.actions[0]).toEqual(sendNote(6, 4, Uint8Array.of(11, ...new TextEncoder().encode('maintenance'))));
    expect(downOf(r.actions)?.detail).toBe('administratively stopped: maintenance');
  });

  it.each(states)('reset in %s sends the given NOTIFICATION and restarts automatically', (from) => {
    const r = step(S[from], { kind: 'reset', code: 6, subcode: 1, data: Uint8Array.of(0, 1, 1, 0, 0, 0, 10), detail: 'max-prefix' }, CFG);
    expect(r.actions[0]).toEqual(sendNote(6, 1, Uint8Array.of(0, 1, 1, 0, 0, 0, 10)));
    expect(r.actions).toContainEqual(idleHold);
    expect(downOf(r.actions)).toMatchObject({ reason: 'notification-sent', from, detail: 'max-prefix' });
  });

  it.each(['OpenConfirm', 'Established'] as const)('a passive peer whose connection closes in %s is waited for again at once: Active, no idle hold', (from) => {
    const r = step(S[from], { kind: 'tcp-closed', detail: 'EOF' }, PASSIVE);
    expect(r.state.name).toBe('Active');
    expect(r.actions).toContainEqual(cancel('idle-hold'));
    expect(r.actions.some((a) => a.type === 'arm-timer' && a.timer === 'idle-hold')).toBe(false);
    expect(downOf(r.actions)).toMatchObject({ reason: 'connection-closed', from });
  });

  it.each(states)('a passive peer that sends a NOTIFICATION in %s is waited for again at once', (from) => {
    const r = step(S[from], msg.notification, PASSIVE);
    expect(r.state.name).toBe('Active');
    expect(downOf(r.actions)).toMatchObject({ reason: 'notification-received', from });
  });

  it.each(states)('a passive peer we reset in %s waits out the idle hold in Idle, or its own restart time', (from) => {
    const r = step(S[from], { kind: 'reset', code: 6, subcode: 8, detail: 'internal error' }, PASSIVE);
    expect(r.state.name).toBe('Idle');
    expect(r.actions).toContainEqual(idleHold);
    const later = step(S[from], { kind: 'reset', code: 6, subcode: 1, detail: 'max-prefix', restartAfter: 600 }, PASSIVE);
    expect(later.state.name).toBe('Idle');
    expect(later.actions).toContainEqual({ type: 'arm-timer', timer: 'idle-hold', seconds: 600 });
  });

  it('a passive peer whose hold timer expires waits out the idle hold in Idle', () => {
    const r = step(S.Established, timer('hold'), PASSIVE);
    expect(r.state.name).toBe('Idle');
    expect(r.actions).toContainEqual(idleHold);
  });

  it.each(states)('reset in %s with a restart time arms the idle-hold timer for that many seconds', (from) => {
    const r = step(S[from], { kind: 'reset', code: 6, subcode: 1, detail: 'max-prefix', restartAfter: 600 }, CFG);
    expect(r.actions).toContainEqual({ type: 'arm-timer', timer: 'idle-hold', seconds: 600 });
    expect(r.actions).not.toContainEqual(idleHold);
  });

  it.each(states)('reset in %s that must never restart leaves the session in Idle with no timer armed', (from) => {
    const r = step(S[from], { kind: 'reset', code: 6, subcode: 1, detail: 'max-prefix', restartAfter: 'never' }, CFG);
    expect(r.state.name).toBe('Idle');
    expect(r.actions[0]).toEqual(sendNote(6, 1));
    expect(r.actions.filter((a) => a.type === 'arm-timer')).toEqual([]);
  });

  it.each(['OpenSent', 'OpenConfirm'] as const)('collision-lost in %s sends Cease 6/7', (from) => {
    const r = step(S[from], { kind: 'collision-lost' }, CFG);
    expect(r.actions[0]).toEqual(sendNote(6, 7));
    expect(downOf(r.actions)).toMatchObject({ reason: 'collision', from });
  });

  it.each(states)('send hold timer expiry in %s sends 8/0 (RFC 9687)', (from) => {
    const r = step(S[from], timer('send-hold'), CFG);
    expect(r.actions[0]).toEqual(sendNote(8, 0));
    expect(downOf(r.actions)).toMatchObject({ reason: 'send-hold-timer-expired', from });
  });

  it.each(states)('a NOTIFICATION received in %s is reported with its code', (from) => {
    const r = step(S[from], msg.notification, CFG);
    expect(r.actions.some((a) => a.type === 'send')).toBe(false);
    expect(downOf(r.actions)).toMatchObject({ reason: 'notification-received', notification: { direction: 'received', code: 6, subcode: 2 } });
  });

  const headerFault: Fault = { action: 'reset', code: 1, subcode: 1, reason: 'bad marker' };
  const openFault: Fault = { action: 'reset', code: 2, subcode: 4, reason: 'unsupported optional parameter' };

  it.each(states)('a decode fault in %s sends the fault’s NOTIFICATION and reports decode-error', (from) => {
    const r = step(S[from], { kind: 'decode-fault', fault: headerFault }, CFG);
    expect(r.actions[0]).toEqual(sendNote(1, 1));
    expect(downOf(r.actions)).toMatchObject({ reason: 'decode-error', detail: 'bad marker' });
  });

  it('an OPEN error found by the codec in OpenSent is reported as open-rejected', () => {
    const r = step(S.OpenSent, { kind: 'decode-fault', fault: openFault }, CFG);
    expect(r.actions[0]).toEqual(sendNote(2, 4));
    expect(downOf(r.actions)?.reason).toBe('open-rejected');
  });
});

// ---------------------------------------------------------------- RFC 6608

describe('RFC 6608 FSM error subcodes', () => {
  const cases: Array<[StateName, string, FsmInput, number]> = [
    ['OpenSent', 'KEEPALIVE', msg.keepalive, 1],
    ['OpenSent', 'UPDATE', msg.update, 1],
    ['OpenSent', 'ROUTE-REFRESH', msg.refresh, 1],
    ['OpenSent', 'keepalive timer expiry', timer('keepalive'), 1],
    ['OpenConfirm', 'OPEN', msg.open, 2],
    ['OpenConfirm', 'UPDATE', msg.update, 2],
    ['OpenConfirm', 'ROUTE-REFRESH', msg.refresh, 2],
    ['Established', 'OPEN', msg.open, 3],
    ['Established', 'tcp-connected', { kind: 'tcp-connected' }, 3],
    ['Established', 'connect-retry timer expiry', timer('connect-retry'), 3],
  ];

  it.each(cases)('in %s an unexpected %s sends 5/%i and reports fsm-error', (from, _what, input, subcode) => {
    const r = step(S[from], input, CFG);
    expect(r.state.name).toBe('Idle');
    expect(r.actions[0]).toEqual(sendNote(5, subcode));
    expect(r.actions).toContainEqual(close);
    expect(r.actions).toContainEqual(idleHold);
    expect(downOf(r.actions)).toMatchObject({ reason: 'fsm-error', from, notification: { code: 5, subcode } });
  });

  it.each(['Connect', 'Active'] as const)('in %s an unexpected message drops the connection without a NOTIFICATION', (from) => {
    const r = step(S[from], msg.update, CFG);
    expect(r.state.name).toBe('Idle');
    expect(r.actions.some((a) => a.type === 'send')).toBe(false);
    expect(downOf(r.actions)).toMatchObject({ reason: 'fsm-error', from });
  });
});

// ---------------------------------------------------------------- OPEN validation

describe('OPEN validation (RFC 4271 §6.2)', () => {
  const noFourOctet = peerOpen().capabilities.filter((c) => c.code !== 65);
  const cases: Array<[string, OpenMessage, FsmConfig, number]> = [
    ['version 3 is refused with 2/1', peerOpen({ version: 3 }), CFG, 1],
    ['a 2-octet My AS other than the configured peer AS is refused with 2/2', peerOpen({ myAs: 64999, capabilities: noFourOctet }), CFG, 2],
    ['a 4-octet AS capability other than the configured peer AS is refused with 2/2', peerOpen({ myAs: AS_TRANS, capabilities: [{ code: 65, asn: 4_200_000_000 }] }), CFG, 2],
    ['a My AS that contradicts the 4-octet AS capability is refused with 2/2', peerOpen({ myAs: 100 }), CFG, 2],
    ['BGP identifier 0.0.0.0 is refused with 2/3', peerOpen({ bgpId: 0 }), CFG, 3],
    ['an iBGP peer with our BGP identifier is refused with 2/3', peerOpen({ myAs: 64512, bgpId: CFG.routerId, capabilities: [{ code: 65, asn: 64512 }] }), IBGP, 3],
    ['hold time 1 is refused with 2/6', peerOpen({ holdTime: 1 }), CFG, 6],
    ['hold time 2 is refused with 2/6', peerOpen({ holdTime: 2 }), CFG, 6],
  ];

  it.each(cases)('%s', (_name, open, cfg, subcode) => {
    const r = step(S.OpenSent, { kind: 'message-received', message: open }, cfg);
    expect(r.state.name).toBe('Idle');
    const expectedData = subcode === 1 ? Uint8Array.of(0, 4) : new Uint8Array(0);
    expect(r.actions[0]).toEqual(sendNote(2, subcode, expectedData));
    expect(downOf(r.actions)).toMatchObject({ reason: 'open-rejected', from: 'OpenSent' });
  });

  it('accepts a 4-octet peer AS sent as AS_TRANS with capability 65', () => {
    const cfg = { ...CFG, peerAs: 4_200_000_000 };
    const r = validateOpen(peerOpen({ myAs: AS_TRANS, capabilities: [{ code: 65, asn: 4_200_000_000 }] }), cfg);
    expect(r).toMatchObject({ ok: true, negotiated: { peerAs: 4_200_000_000, fourOctetAs: true } });
  });

  it('accepts a 2-octet-only peer by its My AS field', () => {
    const r = validateOpen(peerOpen({ capabilities: noFourOctet }), CFG);
    expect(r).toMatchObject({ ok: true, negotiated: { peerAs: 64513, fourOctetAs: false, codec: { fourOctetAs: false } } });
  });

  it('accepts an eBGP peer that shares our BGP identifier (RFC 6286)', () => {
    expect(validateOpen(peerOpen({ bgpId: CFG.routerId }), CFG).ok).toBe(true);
  });

  it.each([0, 3, 65535])('accepts hold time %i', (holdTime) => {
    expect(validateOpen(peerOpen({ holdTime }), CFG).ok).toBe(true);
  });
});

// ---------------------------------------------------------------- negotiation

describe('negotiation', () => {
  it('takes the smaller hold time and keepalive = hold / 3', () => {
    expect(negotiated(peerOpen({ holdTime: 30 }))).toMatchObject({ holdTime: 30, keepalive: 10 });
    expect(negotiated(peerOpen({ holdTime: 180 }))).toMatchObject({ holdTime: 90, keepalive: 30 });
    expect(negotiated(peerOpen({ holdTime: 3 }))).toMatchObject({ holdTime: 3, keepalive: 1 });
  });

  it('hold time 0 on either side disables the hold and keepalive timers', () => {
    const theirs0 = step(S.OpenSent, { kind: 'message-received', message: peerOpen({ holdTime: 0 }) }, CFG);
    expect(theirs0.actions).toEqual([sendKeepalive, cancel('hold'), cancel('keepalive')]);
    const ours0 = step(S.OpenSent, msg.open, { ...CFG, holdTime: 0 });
    expect(ours0.actions).toEqual([sendKeepalive, cancel('hold'), cancel('keepalive')]);
    const n0 = negotiated(peerOpen({ holdTime: 0 }));
    expect(n0).toMatchObject({ holdTime: 0, keepalive: 0 });
    const est = step({ name: 'Established', negotiated: n0 }, msg.keepalive, CFG);
    expect(est.actions).toEqual([cancel('hold')]);
  });

  it('hold negotiation is min(ours, theirs) with keepalive at most a third of it', () => {
    const hold = fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 65535 }));
    fc.assert(
      fc.property(hold, hold, (ours, theirs) => {
        const n = negotiated(peerOpen({ holdTime: theirs }), { ...CFG, holdTime: ours });
        expect(n.holdTime).toBe(Math.min(ours, theirs));
        expect(n.keepalive).toBe(Math.floor(n.holdTime / 3));
        expect(n.keepalive * 3).toBeLessThanOrEqual(n.holdTime);
        if (n.holdTime > 0) expect(n.keepalive).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it('negotiates the intersection of multiprotocol capabilities', () => {
    const n = negotiated(peerOpen({ capabilities: [{ code: 1, afi: 1, safi: 128 }, { code: 1, afi: 1, safi: 132 }, { code: 65, asn: 64513 }] }));
    expect(n.families).toEqual([{ afi: 1, safi: 128 }]);
    expect([...n.codec.families]).toEqual(['1/128']);
  });

  it('a peer without any multiprotocol capability speaks IPv4 unicast only (RFC 4760 §8)', () => {
    const open = peerOpen({ capabilities: [{ code: 65, asn: 64513 }] });
    expect(negotiated(open).families).toEqual([{ afi: 1, safi: 1 }]);
    const vpnOnly = { ...CFG, families: [{ afi: 1, safi: 128 }] };
    expect(negotiated(open, vpnOnly).families).toEqual([]);
  });

  it('records route refresh, graceful restart and add-path from the peer', () => {
    const gr: Capability = { code: 64, restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 128, forwarding: true }] };
    const addPath: Capability = { code: 69, families: [{ afi: 1, safi: 1, mode: 3 }] };
    const n = negotiated(peerOpen({ capabilities: [{ code: 1, afi: 1, safi: 1 }, { code: 65, asn: 64513 }, gr, addPath] }));
    expect(n.routeRefresh).toBe(false);
    expect(n.gracefulRestart).toEqual({ restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 128, forwarding: true }] });
    expect(n.addPath).toEqual([{ afi: 1, safi: 1, mode: 3 }]);
    expect(n.peerCapabilities).toEqual([1, 65, 64, 69]);
    expect(N.routeRefresh).toBe(true);
    expect(N.gracefulRestart).toBeUndefined();
  });

  it('builds the codec context from the negotiation', () => {
    expect(N.codec).toMatchObject({ fourOctetAs: true, ebgp: true });
    expect(negotiated(peerOpen({ myAs: 64512, capabilities: [{ code: 65, asn: 64512 }] }), IBGP).codec.ebgp).toBe(false);
  });
});

// ---------------------------------------------------------------- keepalive timing

describe('keepalive timing', () => {
  it('arms the keepalive timer at hold/3 on entering OpenConfirm and re-arms it on every expiry', () => {
    const n = negotiated(peerOpen({ holdTime: 9 }));
    const confirm = step(S.OpenSent, { kind: 'message-received', message: peerOpen({ holdTime: 9 }) }, CFG);
    expect(confirm.actions).toContainEqual(arm('keepalive', 3));
    expect(confirm.actions).toContainEqual(arm('hold', 9));
    let state: FsmState = { name: 'Established', negotiated: n };
    for (let i = 0; i < 3; i++) {
      const r = step(state, timer('keepalive'), CFG);
      expect(r.actions).toEqual([sendKeepalive, arm('keepalive', 3)]);
      state = r.state;
    }
  });

  it('uses the configured large hold time while waiting for the OPEN', () => {
    const r = step(S.Connect, { kind: 'tcp-connected' }, { ...CFG, openHoldTime: 30 });
    expect(r.actions).toContainEqual(arm('hold', 30));
  });
});

// ---------------------------------------------------------------- invariants

describe('FSM invariants', () => {
  const inputs: FsmInput[] = [
    { kind: 'start' },
    { kind: 'stop' },
    { kind: 'reset', code: 6, subcode: 4, detail: 'x' },
    { kind: 'tcp-connected' },
    { kind: 'tcp-failed', detail: 'x' },
    { kind: 'tcp-closed' },
    { kind: 'collision-lost' },
    { kind: 'decode-fault', fault: { action: 'reset', code: 3, subcode: 1, reason: 'x' } },
    ...Object.values(msg),
    ...(['connect-retry', 'idle-hold', 'hold', 'keepalive', 'send-hold'] as const).map(timer),
  ];

  it('emits exactly one down on every transition into Idle from another state, or of a passive session dropped back to Active, and none otherwise', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...inputs), { maxLength: 40 }), fc.boolean(), (seq, passive) => {
        const cfg = passive ? PASSIVE : CFG;
        let state: FsmState = S.Idle;
        for (const input of seq) {
          const r = step(state, input, cfg);
          const downs = r.actions.filter((a) => a.type === 'down');
          // RFC 4271 §8.2.2: OpenSent's lost connection is no session lost: Active, no down.
          const openSentLost = state.name === 'OpenSent' && (input.kind === 'tcp-closed' || input.kind === 'tcp-failed');
          const backToActive = passive && r.state.name === 'Active' && r.actions.some((a) => a.type === 'close-connection') && !openSentLost;
          const expected = state.name !== 'Idle' && (r.state.name === 'Idle' || backToActive) ? 1 : 0;
          expect(downs).toHaveLength(expected);
          if (expected) expect(downs[0]).toMatchObject({ from: state.name });
          if (r.actions.some((a) => a.type === 'send' && a.message.type === 'open')) expect(r.state.name).toBe('OpenSent');
          if (passive) expect(r.actions).not.toContainEqual(connect);
          state = r.state;
        }
      }),
    );
  });
});

// ---------------------------------------------------------------- OPEN we send

describe('the OPEN we send (contrail-control.md §5.1)', () => {
  it('carries version 4, our AS, hold time, identifier and the capabilities', () => {
    expect(buildOpen(CFG)).toEqual({
      type: 'open',
      version: 4,
      myAs: 64512,
      holdTime: 90,
      bgpId: 0x0a000001,
      capabilities: [
        { code: 1, afi: 1, safi: 1 },
        { code: 1, afi: 1, safi: 128 },
        { code: 2 },
        { code: 65, asn: 64512 },
        { code: 64, restarting: false, notification: false, restartTime: 0, families: [] },
      ],
    });
  });

  it('puts AS_TRANS in My AS for a 4-octet local AS', () => {
    const open = buildOpen({ ...CFG, localAs: 4_200_000_000 });
    expect(open.myAs).toBe(23456);
    expect(open.capabilities).toContainEqual({ code: 65, asn: 4_200_000_000 });
  });

  it('sends an identifier above 2^31 as an unsigned number', () => {
    expect(buildOpen({ ...CFG, routerId: 0xc0000201 | 0 }).bgpId).toBe(0xc0000201);
  });
});

// ---------------------------------------------------------------- collision and Cease data

describe('collision resolution (RFC 4271 §6.8, RFC 6286 §2.3)', () => {
  it('keeps our outbound connection when our identifier is higher', () => {
    expect(collisionWinner(0x0a000002, 0x0a000001, 1, 2)).toBe('outbound');
  });
  it('keeps the inbound connection when the peer’s identifier is higher', () => {
    expect(collisionWinner(0x0a000001, 0x0a000002, 1, 2)).toBe('inbound');
  });
  it('compares identifiers as unsigned numbers', () => {
    expect(collisionWinner(0xc0000001 | 0, 0x0a000001, 1, 2)).toBe('outbound');
  });
  it('breaks a tie of identifiers by the higher AS', () => {
    expect(collisionWinner(7, 7, 65001, 65000)).toBe('outbound');
    expect(collisionWinner(7, 7, 65000, 65001)).toBe('inbound');
  });
  it('both sides agree on which connection survives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffffffff }), fc.integer({ min: 1, max: 0xffffffff }), (a, b) => {
        fc.pre(a !== b);
        // A's outbound is B's inbound: exactly one of them keeps it.
        expect(collisionWinner(a, b, 1, 1) === 'outbound').toBe(collisionWinner(b, a, 1, 1) === 'inbound');
      }),
    );
  });
});

describe('RFC 9003 shutdown communication', () => {
  it('is shown in the description of a received Cease', () => {
    const data = shutdownCommunication(2, 'back at 10:00');
    expect(describeNotification({ code: 6, subcode: 2, data })).toBe('NOTIFICATION 6/2 (Cease): "back at 10:00"');
    expect(describeNotification({ code: 4, subcode: 0 })).toBe('NOTIFICATION 4/0 (Hold Timer Expired)');
    expect(describeNotification({ code: 6, subcode: 2, data: Uint8Array.of(9, 0x41) })).toBe('NOTIFICATION 6/2 (Cease)');
  });

  it('is a length byte and UTF-8 for subcodes 2 and 4 only', () => {
    expect(shutdownCommunication(2, 'hi')).toEqual(Uint8Array.of(2, 0x68, 0x69));
    expect(shutdownCommunication(7, 'hi')).toEqual(new Uint8Array(0));
    expect(shutdownCommunication(2, undefined)).toEqual(new Uint8Array(0));
  });
  it('is cut to 255 octets without splitting a character', () => {
    const data = shutdownCommunication(2, '€'.repeat(200));
    expect(data[0]).toBe(255);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(1))).toBe('€'.repeat(85));
  });
});
