/**
 * Interop lab harness: namespaces + bridge (`Lab`), process control (`spawnIn`),
 * peers (`GoBgp`, `Frr`, `Bird`), our binary (`ControlNode`) and the selectable
 * route reflector under test (`createRouteReflector`, env CN_IMPL), and vRouter
 * agents in their own namespaces (`LabAgent`, driving agent-runner.ts).
 */
export * from './proc.js';
export * from './lab.js';
export * from './routes.js';
export * from './gobgp.js';
export * from './frr.js';
export * from './bird.js';
export * from './control-node.js';
export * from './dut.js';
export * from './oracle.js';
export * from './agents.js';
export * from './hooks.js';
export * from './chaos.js';
