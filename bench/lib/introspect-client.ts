/**
 * What the benchmark reads from control-node's introspect (HTTP, loopback),
 * only at phase boundaries or a few times a second, so the reading costs the
 * device next to nothing:
 *  - the worst event-loop delay since the previous read: prom-client's
 *    default metric `control_node_nodejs_eventloop_lag_max_seconds`
 *    (perf_hooks.monitorEventLoopDelay, 10 ms resolution), which prom-client
 *    resets at every scrape;
 *  - the path count of one table (/api/summary; counters kept by the tables).
 */

import http from 'node:http';

function get(addr: string, port: number, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: addr, port, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** The worst event-loop delay (ms) since the last call (the first call only starts the window). */
export async function loopDelayMaxMs(addr: string, port: number, timeoutMs = 60_000): Promise<number | undefined> {
  const text = await get(addr, port, '/metrics', timeoutMs);
  const m = /^control_node_nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([0-9.eE+-]+)$/m.exec(text);
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/** Paths in the named table, from /api/summary. */
export async function tablePaths(addr: string, port: number, table: string, timeoutMs = 60_000): Promise<number> {
  const s = JSON.parse(await get(addr, port, '/api/summary', timeoutMs)) as { tables: { name: string; paths: number }[] };
  return s.tables.find((t) => t.name === table)?.paths ?? 0;
}
