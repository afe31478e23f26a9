#!/usr/bin/env node
/**
 * A raw BGP speaker for the lab, run inside a namespace with plain `node`
 * (no build, no imports from the project: its bytes must not share our
 * codec's mistakes). It connects from --local to --peer:179, sends the OPEN
 * it is given (--open HEX), answers the peer's OPEN with a KEEPALIVE, sends
 * a KEEPALIVE every 30 s, and writes whatever hex it is told to. Driven by
 * interop/lab/injector.ts over JSON lines:
 *
 *   stdin:  {"id": 1, "cmd": "send", "hex": "ffff..."}   -> {"id": 1, "ok": true}
 *           {"id": 2, "cmd": "state"}                     -> {"id": 2, "ok": true, "result": {...}}
 *   stdout: the replies above; events {"event": "established"}, {"event": "notification", "code", "subcode"},
 *           {"event": "closed"}
 *
 * It exits when stdin closes, and on SIGTERM.
 */
import net from 'node:net';
import { createInterface } from 'node:readline';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, all) => (i % 2 === 0 ? [...acc, [v.replace(/^--/, ''), all[i + 1]]] : acc), []));
const KEEPALIVE = Buffer.from('ffffffffffffffffffffffffffffffff001304', 'hex');
const state = { connected: false, established: false, closed: false, received: { open: 0, update: 0, notification: 0, keepalive: 0 }, notifications: [] };

const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const log = (text) => process.stderr.write(`${new Date().toISOString()} ${text}\n`);

let pending = Buffer.alloc(0);
const socket = net.connect({ host: args.peer, port: Number(args.port ?? 179), localAddress: args.local });
socket.on('connect', () => {
  state.connected = true;
  log(`connected to ${args.peer}`);
  socket.write(Buffer.from(args.open, 'hex'));
});
socket.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 19) {
    const len = pending.readUInt16BE(16);
    if (pending.length < len) break;
    const msg = pending.subarray(0, len);
    pending = pending.subarray(len);
    onMessage(msg);
  }
});
socket.on('error', (err) => log(`socket error: ${err.message}`));
socket.on('close', () => {
  state.closed = true;
  state.established = false;
  log('connection closed');
  out({ event: 'closed' });
});

function onMessage(msg) {
  const type = msg[18];
  if (type === 1) {
    state.received.open++;
    socket.write(KEEPALIVE);
  } else if (type === 2) {
    state.received.update++;
  } else if (type === 3) {
    state.received.notification++;
    const n = { code: msg[19], subcode: msg[20] };
    state.notifications.push(n);
    log(`notification ${n.code}/${n.subcode}`);
    out({ event: 'notification', ...n });
  } else if (type === 4) {
    state.received.keepalive++;
    if (!state.established && state.received.open > 0) {
      state.established = true;
      log('established');
      out({ event: 'established' });
    }
  }
}

const keepalives = setInterval(() => {
  if (state.established) socket.write(KEEPALIVE);
}, 30_000);

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    return;
  }
  if (req.cmd === 'send') {
    socket.write(Buffer.from(req.hex, 'hex'), () => out({ id: req.id, ok: true }));
  } else if (req.cmd === 'state') {
    out({ id: req.id, ok: true, result: state });
  } else {
    out({ id: req.id, ok: false, error: `unknown command ${req.cmd}` });
  }
});
const quit = () => {
  clearInterval(keepalives);
  socket.destroy();
  process.exit(0);
};
lines.on('close', quit);
process.on('SIGTERM', quit);
