/**
 * The web route viewer's files (src/introspect/web/: one HTML page, one
 * JavaScript module, one stylesheet), read once when introspect starts and
 * served from memory. Nothing is fetched from the internet and nothing is
 * built: the files are served as written. `npm run build` copies the folder
 * next to the compiled module (dist/introspect/web/), where this looks for it.
 *
 * Every response carries a Content-Security-Policy that allows scripts,
 * styles and connections from this server only, and no inline script: a
 * route or peer name that slipped past the page's escaping still could not
 * run.
 */

import { readFile } from 'node:fs/promises';

export interface WebAsset {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

const FILES: readonly (readonly [string, string, string])[] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/web/viewer.js', 'viewer.js', 'text/javascript; charset=utf-8'],
  ['/web/viewer.css', 'viewer.css', 'text/css; charset=utf-8'],
];

export const WEB_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

/**
 * The viewer's files by URL path. A file that cannot be read is served as a
 * 500 naming it, and reported in `missing`: a packaging mistake costs the
 * viewer, never the control node.
 */
export async function loadWebAssets(): Promise<{ assets: ReadonlyMap<string, WebAsset>; missing: string[] }> {
  const dir = new URL('./web/', import.meta.url);
  const assets = new Map<string, WebAsset>();
  const missing: string[] = [];
  for (const [path, file, contentType] of FILES) {
    try {
      assets.set(path, { status: 200, contentType, body: await readFile(new URL(file, dir)) });
    } catch {
      missing.push(`${dir.pathname}${file}`);
      const body = Buffer.from(`the web viewer's ${file} is missing from ${dir.pathname} (was the build's copy step skipped?)\n`);
      assets.set(path, { status: 500, contentType: 'text/plain; charset=utf-8', body });
    }
  }
  // Browsers ask for one; "no icon" beats a 404 in the console.
  assets.set('/favicon.ico', { status: 204, contentType: 'image/x-icon', body: Buffer.alloc(0) });
  return { assets, missing };
}
