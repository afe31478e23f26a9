/**
 * The `xmpp` section: where the control node accepts vrouter agents.
 *
 *   xmpp:
 *     listen: { address: 127.0.0.1, port: 5269 }   # defaults shown; port 0 = any free port
 *     hold-time: 90          # seconds, 3..65535 (Contrail's own range is 1..90); must
 *                            # match the agents' own hold time (90, or fast convergence):
 *                            # nothing is negotiated on the wire (src/xmpp/channel.ts)
 *     enabled: true          # false: no XMPP server at all
 *     tls:                   # optional: agents must STARTTLS, with a certificate from `ca`
 *       cert: /etc/contrail/ssl/certs/server.pem             # PEM files (Contrail's
 *       key: /etc/contrail/ssl/private/server-privkey.pem    # xmpp_server_cert, _key,
 *       ca: /etc/contrail/ssl/certs/ca-cert.pem              # xmpp_ca_cert)
 *     max-routes-per-agent: 100000   # optional: an agent publishing more is closed (only it)
 *     graceful-restart:      # helper for agents (contrail-control.md §5.4); default off, as in Contrail
 *       enabled: false
 *       restart-time: 60     # seconds a dropped agent's routes are kept for its return
 *       end-of-rib-timeout: 300   # seconds an agent that came back has to send its End-of-RIB
 *       long-lived-stale-time: 0  # seconds more a dropped agent's routes stay, long-lived stale
 *                                 # (LLGR_STALE, least preferred), after restart-time; 0..16777215, 0 = off
 *
 * The whole section may be left out; every key then takes its default.
 * The TLS files are read and checked here (tls.ts), so a missing file or a
 * key that does not match its certificate is a config error naming the key.
 */

import { z } from 'zod';
import { bool, integer, listen, mapping } from './scalars.js';
import { checkPem, filePath, readFiles } from './tls.js';
import type { ListenConfig } from './scalars.js';

/** PEM text of the server's certificate and key and of the CA agents' certificates must chain to. */
export interface XmppTlsConfig {
  cert: string;
  key: string;
  ca: string;
}

export interface XmppConfig {
  enabled: boolean;
  listen: ListenConfig;
  holdTime: number;
  tls?: XmppTlsConfig;
  maxRoutesPerAgent?: number;
  /** Present when enabled. */
  gracefulRestart?: { restartTime: number; endOfRibTimeout: number; longLivedStaleTime: number };
}

/** The standard XMPP server-to-server port, which Contrail agents dial. */
export const DEFAULT_XMPP_PORT = 5269;
export const DEFAULT_XMPP_HOLD_TIME = 90;

/** Reads the three PEM files and has OpenSSL load them, blaming the first key that does not work. */
function readTls(raw: XmppTlsConfig, ctx: z.RefinementCtx): XmppTlsConfig {
  const pem = readFiles(raw, ['cert', 'key', 'ca'], ctx);
  return pem && checkPem('xmpp.tls', raw, pem, ctx) ? pem : z.NEVER;
}

const tls = mapping({ cert: filePath, key: filePath, ca: filePath }).transform(readTls);

const gracefulRestart = mapping({
  enabled: bool.default(false),
  'restart-time': integer(1, 4095).default(60),
  'end-of-rib-timeout': integer(1, 3600).default(300),
  'long-lived-stale-time': integer(0, 0xffffff).default(0),
});

export const xmppSection = mapping({
  listen: listen(DEFAULT_XMPP_PORT).prefault({}),
  'hold-time': integer(3, 65535).default(DEFAULT_XMPP_HOLD_TIME),
  enabled: bool.default(true),
  tls: tls.optional(),
  'max-routes-per-agent': integer(1, 0xffff_ffff).optional(),
  'graceful-restart': gracefulRestart.prefault({}),
}).transform(
  (raw): XmppConfig => ({
    enabled: raw.enabled,
    listen: raw.listen,
    holdTime: raw['hold-time'],
    ...(raw.tls !== undefined && { tls: raw.tls }),
    ...(raw['max-routes-per-agent'] !== undefined && { maxRoutesPerAgent: raw['max-routes-per-agent'] }),
    ...(raw['graceful-restart'].enabled && {
      gracefulRestart: {
        restartTime: raw['graceful-restart']['restart-time'],
        endOfRibTimeout: raw['graceful-restart']['end-of-rib-timeout'],
        longLivedStaleTime: raw['graceful-restart']['long-lived-stale-time'],
      },
    }),
  }),
);
