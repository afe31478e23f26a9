/**
 * The `xmpp` section: where the control node accepts vrouter agents.
 *
 *   xmpp:
 *     listen: { address: 127.0.0.1, port: 5269 }   # defaults shown; port 0 = any free port
 *     hold-time: 90          # seconds, 3..65535 (Contrail's own range is 1..90); must
 *                            # match the agents' own hold time (90, or fast convergence):
 *                            # nothing is negotiated on the wire (src/xmpp/channel.ts)
 *     enabled: true          # false: no XMPP server at all
 *
 * The whole section may be left out; every key then takes its default.
 */

import { bool, integer, listen, mapping } from './scalars.js';
import type { ListenConfig } from './scalars.js';

export interface XmppConfig {
  enabled: boolean;
  listen: ListenConfig;
  holdTime: number;
}

/** The standard XMPP server-to-server port, which Contrail agents dial. */
export const DEFAULT_XMPP_PORT = 5269;
export const DEFAULT_XMPP_HOLD_TIME = 90;

export const xmppSection = mapping({
  listen: listen(DEFAULT_XMPP_PORT).prefault({}),
  'hold-time': integer(3, 65535).default(DEFAULT_XMPP_HOLD_TIME),
  enabled: bool.default(true),
}).transform(
  (raw): XmppConfig => ({
    enabled: raw.enabled,
    listen: raw.listen,
    holdTime: raw['hold-time'],
  }),
);
