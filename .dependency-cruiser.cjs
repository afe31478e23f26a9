// The layers of control-node (GitHub issue 8, item 6), checked by
// `npm run lint:layers` and by scripts/test.sh before vitest runs.
// docs/architecture.md explains them; this file enforces them.
//
//   L0  src/bgp/wire/**, src/xmpp/wire/**      pure codecs
//   L1  src/rib/**                              tables, paths, best path
//   L2  src/routing-instances/**, src/policy/** instances, import/export
//   L3  src/bgp/** and src/xmpp/** (not wire)   session drivers
//   L4  src/config/**                           YAML -> typed values
//   L5  src/server.ts, src/reload.ts, src/main.ts, src/cli.ts, src/warm-up.ts  composition
//   introspect (src/introspect/**) reads everything; only src/server.ts imports it.
//
// Each layer rule lists what a layer MAY import (pathNot). Every module under
// src/ must be in a layer (rule `in-a-layer`), so a new folder is placed on
// purpose before it can import anything.
//
// Cycles: a cycle that crosses layers always has a wrong-way edge, which the
// layer rules report (one line, naming the edge). The no-circular-* rules
// therefore report only cycles that stay inside one layer; otherwise one
// wrong-way import would bury its own line under every cycle it closes.

const L0 = 'src/(bgp|xmpp)/wire/';
const L1 = 'src/rib/';
const L2 = 'src/(routing-instances|policy)/';
const L3 = 'src/(bgp|xmpp)/(?!wire/)';
const L4 = 'src/config/';
const INTROSPECT = 'src/introspect/';
const COMPOSITION = 'src/(server|main|cli|reload|warm-up)\\.ts$';
const LAYERS = { L0, L1, L2, L3, L4, introspect: INTROSPECT, L5: COMPOSITION };

/** One cycle rule per layer: a cycle whose every module is in that layer. */
const noCircularWithin = Object.entries(LAYERS).map(([layer, path]) => ({
  name: `no-circular-in-${layer}`,
  severity: 'error',
  comment:
    'A cycle makes two modules one: neither can be read, tested or moved alone. ' +
    'Move what both need into the lower one (or a third module they both import).',
  from: { path: `^${path}` },
  to: { circular: true, viaOnly: { path: `^${path}` } },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...noCircularWithin,
    {
      name: 'in-a-layer',
      severity: 'error',
      comment:
        'Every module belongs to a layer, so that the rules below apply to it. ' +
        'A new folder under src/ goes into LAYERS (and docs/architecture.md) first.',
      from: { path: '^src/', pathNot: `^(${Object.values(LAYERS).join('|')})` },
      to: {},
    },
    {
      name: 'L0-wire-imports-only-wire',
      severity: 'error',
      comment:
        'L0 codecs turn bytes/XML into values and back; nothing else. They may use ' +
        'each other (XMPP items carry BGP prefixes) but nothing above, so they stay ' +
        'testable with a Buffer and nothing more.',
      from: { path: `^${L0}` },
      to: { path: '^src/', pathNot: `^${L0}` },
    },
    {
      name: 'L0-L1-L2-no-io',
      severity: 'error',
      comment:
        'Codecs, RIB and routing instances do no I/O: sockets, files, processes and ' +
        'timers belong to the session drivers (L3) and the composition root (L5). ' +
        '(Global setTimeout is not an import; review catches that one.)',
      from: { path: `^(${L0}|${L1}|${L2})` },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(net|tls|dgram|http|https|http2|fs|fs/promises|child_process|cluster|worker_threads|timers|timers/promises)$',
      },
    },
    {
      name: 'L1-rib-imports-only-wire',
      severity: 'error',
      comment:
        'The RIB (tables, paths, best path) is a data structure over L0 values. It ' +
        'knows nothing of instances, sessions, config or the process around it.',
      from: { path: `^${L1}` },
      to: { path: '^src/', pathNot: `^(${L0}|${L1})` },
    },
    {
      name: 'L2-instances-import-only-rib-and-wire',
      severity: 'error',
      comment:
        'Routing instances and policy move routes between tables (import/export by ' +
        'route target). They use the RIB and codecs; they are driven by sessions and ' +
        'built by the composition root, never the other way round.',
      from: { path: `^${L2}` },
      to: { path: '^src/', pathNot: `^(${L0}|${L1}|${L2})` },
    },
    {
      name: 'L3-sessions-not-config-or-composition',
      severity: 'error',
      comment:
        'Session drivers (BGP FSM/session/speaker, XMPP server/agent sessions) take ' +
        'their own option types, defined next to them; the composition root ' +
        'translates config into those. So no config, no server/main/cli, no introspect.',
      from: { path: `^${L3}` },
      to: { path: '^src/', pathNot: `^(${L0}|${L1}|${L2}|${L3})` },
    },
    {
      name: 'L4-config-imports-only-wire-and-names',
      severity: 'error',
      comment:
        'Config is the edge that parses YAML into typed values once. It may use the ' +
        'codecs (address/prefix/route-target parsers), the typed instance name and the ' +
        'routing-policy value types (plain data it builds); nothing else, and nothing ' +
        'below L4 imports it (the rules above forbid that).',
      from: { path: `^${L4}` },
      to: { path: '^src/', pathNot: `^(${L0}|${L4}|src/routing-instances/name\\.ts$|src/policy/types\\.ts$)` },
    },
    {
      name: 'L5-composition-is-a-root',
      severity: 'error',
      comment:
        'server.ts, main.ts and cli.ts wire everything together and may import ' +
        'anything; nothing but another composition module imports them (not even ' +
        'for a type: define the interface where it is used and let server.ts satisfy it).',
      from: { path: '^src/', pathNot: `^${COMPOSITION}` },
      to: { path: `^${COMPOSITION}` },
    },
    {
      name: 'introspect-only-from-composition',
      severity: 'error',
      comment:
        'Introspect reads every layer for the operator; if a layer imported it, ' +
        'introspect would stop being optional. Only src/server.ts mounts it.',
      from: { path: '^src/', pathNot: `^(${INTROSPECT}|src/server\\.ts$)` },
      to: { path: `^${INTROSPECT}` },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import the cruiser cannot resolve is an import no rule can check ' +
        '(and usually a typo that tsc will also reject).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Only our own code is layered: packages are leaves, not followed.
    doNotFollow: { path: 'node_modules' },
    // `import type` counts: a type-only import is still a wrong-way dependency.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    cache: false,
  },
};
