/**
 * Named one-shot timers for the BGP session driver (RFC 4271 §10 timers,
 * RFC 9687 send hold timer). Every timer is unref'd, so an idle session
 * never keeps the process alive, and a callback that lost a race with
 * cancel() or a re-arm is dropped rather than delivered late.
 */

export class Timers<N extends string> {
  private readonly handles = new Map<N, NodeJS.Timeout>();
  private readonly durations = new Map<N, number>();

  constructor(private readonly fire: (name: N) => void) {}

  /** (Re)start `name` to fire after `seconds`. */
  arm(name: N, seconds: number): void {
    const ms = Math.max(0, seconds * 1000);
    const current = this.handles.get(name);
    if (current !== undefined && this.durations.get(name) === ms) {
      // The hold timer restarts on every UPDATE: refresh() is far cheaper than clear + create.
      current.refresh();
      return;
    }
    this.cancel(name);
    const handle = setTimeout(() => {
      if (this.handles.get(name) !== handle) return; // stale
      this.handles.delete(name);
      this.fire(name);
    }, ms);
    handle.unref();
    this.handles.set(name, handle);
    this.durations.set(name, ms);
  }

  cancel(name: N): void {
    const handle = this.handles.get(name);
    if (handle === undefined) return;
    clearTimeout(handle);
    this.handles.delete(name);
    this.durations.delete(name);
  }

  running(name: N): boolean {
    return this.handles.has(name);
  }

  clear(): void {
    for (const handle of this.handles.values()) clearTimeout(handle);
    this.handles.clear();
    this.durations.clear();
  }
}
