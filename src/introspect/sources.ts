/**
 * What introspect reads: the running pieces of a control node. Introspect
 * defines this itself instead of importing the composition root's
 * ServerHandle, so nothing here depends on src/server.ts; server.ts passes
 * its handle, which has (at least) these members.
 */

import type { BgpSpeaker } from '../bgp/speaker.js';
import type { BgpPeering } from '../rib/peering.js';
import type { Rib } from '../rib/rib.js';
import type { InstanceManager } from '../routing-instances/manager.js';
import type { XmppServer } from '../xmpp/server.js';

export interface IntrospectSources {
  readonly rib: Rib;
  /** The BGP peering engine of the master instance. */
  readonly peering: BgpPeering;
  readonly bgp: BgpSpeaker;
  readonly instances: InstanceManager;
  /** Absent when XMPP is disabled. */
  readonly xmpp?: XmppServer | undefined;
  /** How config reloads went (absent when the node cannot reload). */
  readonly reloads?: {
    readonly ok: number;
    readonly failed: number;
    readonly last?: { readonly at: string; readonly ok: boolean; readonly error?: string };
  };
  /** Where the node listens (the local end of BGP sessions and agent connections), when known. */
  readonly listening?: {
    readonly bgp?: { readonly address: string; readonly port: number };
    readonly xmpp?: { readonly address: string; readonly port: number } | undefined;
  };
}
