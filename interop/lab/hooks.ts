/**
 * A lab's life in one test file: started once before the tests (and torn down
 * at once when start-up fails), its logs printed when any test failed, and
 * always destroyed afterwards — namespaces and every process it started.
 */

import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Lab } from './lab.js';

export interface LabLifecycle {
  /** Build the lab and start what the tests need. */
  readonly start: () => Promise<void>;
  /** The lab, once created (start may fail half-way). */
  readonly lab: () => Lab | undefined;
  /** Shown with the logs of a failed run. */
  readonly label: string;
  /** Stop what the lab does not own, before it is destroyed. */
  readonly stop?: () => Promise<void>;
}

export function useLab(o: LabLifecycle): void {
  let failed = false;
  beforeAll(async () => {
    try {
      await o.start();
    } catch (err) {
      const lab = o.lab();
      if (lab) console.error(lab.logTails());
      await lab?.destroy();
      throw err;
    }
  });
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    const lab = o.lab();
    if (lab && failed) console.error(`lab logs (${o.label}):\n${lab.logTails(60)}`);
    await o.stop?.();
    await lab?.destroy();
  });
}
