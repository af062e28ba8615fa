import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpResponse } from 'uWebSockets.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ApiRouter } from './api-router.ts';
import type { RawRoute } from './api-route.ts';

/**
 * The browser surfaces, built ahead of time by `npm run build` into dist/web (web/, see
 * scripts/build-web.mjs): the console at `/`, the public status page at `/status`, the API
 * reference at `/docs/api`, their bundles under `/assets/`. Every file listed in dist/web/site.json
 * is read into memory when the node starts, with its precompressed gzip and brotli twins; nothing
 * else is served, so no request path ever reaches the file system. Public: the pages hold no data,
 * the console asks for a token and sends it with its API calls.
 */
export interface StaticSiteOptions {
  /** The built site (default: dist/web of the package this file belongs to). */
  root?: string;
  log: Logger;
}

/** What every page answer carries: the browser may load scripts, styles and connections from this origin only. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const siteSchema = z.object({
  files: z.array(z.object({ path: z.string().min(1), etag: z.string(), gzip: z.number().optional(), br: z.number().optional() })),
});

const contentTypes: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
};

interface SiteFile {
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  etag: string;
  contentType: string;
  cacheControl: string;
}

/** Pages: their URL paths (with and without a trailing slash), the built file each answers, what it is. */
const pages: Array<[paths: string[], file: string, summary: string]> = [
  [['/'], 'index.html', 'The operator console (sign in with an API token)'],
  [['/status', '/status/'], 'status/index.html', 'The public status page (reads /status.json)'],
  [['/docs/api', '/docs/api/'], 'docs/api/index.html', 'This API reference, rendered from /openapi.json'],
];

const notBuilt = { description: 'The node has no build of the pages (run `npm run build`)', contentType: 'text/plain' };

function pageRoute(path: string, summary: string, contentType: string): RawRoute {
  return {
    method: 'get',
    path,
    access: 'public',
    tag: 'Pages',
    summary,
    responses: { 200: { description: 'The built file', contentType }, 304: { description: 'Unchanged (`if-none-match`)' }, 404: { description: 'No such built file' }, 503: notBuilt },
  };
}

/** dist/web of this package, whether this file runs from the sources (gateway/) or the build (dist/gateway/). */
export function defaultWebRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json')) && dirname(folder) !== folder) folder = dirname(folder);
  return join(folder, 'dist', 'web');
}

/** Loads the built site into memory; null when it was not built (or its listing is unreadable). */
export function loadSite(root: string, log: Logger): Map<string, SiteFile> | null {
  let listing: z.infer<typeof siteSchema>;
  try {
    listing = siteSchema.parse(JSON.parse(readFileSync(join(root, 'site.json'), 'utf8')));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    log.warn({ root, err: missing ? undefined : error }, missing ? 'the console is not built (run `npm run build`): / answers 503' : 'dist/web/site.json is unreadable: / answers 503');
    return null;
  }
  const files = new Map<string, SiteFile>();
  for (const entry of listing.files) {
    // Only names a build makes; site.json is ours, but a path never climbs out of root.
    if (entry.path.split('/').some((part) => part === '..' || part === '')) continue;
    const file = join(root, entry.path);
    const extension = entry.path.slice(entry.path.lastIndexOf('.') + 1);
    files.set(entry.path, {
      body: readFileSync(file),
      ...(entry.gzip ? { gzip: readFileSync(`${file}.gz`) } : {}),
      ...(entry.br ? { br: readFileSync(`${file}.br`) } : {}),
      etag: entry.etag,
      contentType: contentTypes[extension] ?? 'application/octet-stream',
      // Bundles have a content hash in their name and never change; pages are revalidated each time.
      cacheControl: entry.path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  }
  return files;
}

/** Registers `GET /`, `/status`, `/docs/api` and `/assets/*` (before the router's fallback). */
export function serveStaticSite(router: ApiRouter, options: StaticSiteOptions): void {
  const site = loadSite(options.root ?? defaultWebRoot(), options.log);
  const answer = (res: HttpResponse, file: SiteFile | undefined, acceptEncoding: string, ifNoneMatch: string) => {
    res.cork(() => {
      if (!site) {
        res.writeStatus('503 Service Unavailable').writeHeader('content-type', 'text/plain; charset=utf-8');
        for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.writeHeader(name, value);
        res.end('The console and status page are not built on this node: run `npm run build` (it writes dist/web), then restart the node.\n');
        return;
      }
      if (!file) {
        res.writeStatus('404 Not Found').writeHeader('content-type', 'application/json').end('{"error":{"code":"NOT_FOUND","message":"no such file"}}');
        return;
      }
      const notModified = ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === file.etag);
      const encoding = !notModified && file.br && /\bbr\b/.test(acceptEncoding) ? 'br' : !notModified && file.gzip && /\bgzip\b/.test(acceptEncoding) ? 'gzip' : undefined;
      res.writeStatus(notModified ? '304 Not Modified' : '200 OK');
      res.writeHeader('content-type', file.contentType).writeHeader('cache-control', file.cacheControl).writeHeader('etag', file.etag).writeHeader('vary', 'accept-encoding');
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.writeHeader(name, value);
      if (notModified) return void res.endWithoutBody();
      if (encoding) res.writeHeader('content-encoding', encoding);
      res.end(encoding === 'br' ? file.br! : encoding === 'gzip' ? file.gzip! : file.body);
    });
  };
  const serve = (res: HttpResponse, req: { getHeader(name: string): string }, path: string) =>
    answer(res, site?.get(path), req.getHeader('accept-encoding'), req.getHeader('if-none-match'));

  for (const [paths, file, summary] of pages) for (const path of paths) router.raw(pageRoute(path, summary, 'text/html'), (res, req) => serve(res, req, file));
  // The URL path is looked up in the build's listing, never joined to a file system path.
  router.raw(pageRoute('/assets/*', 'A script or style of the pages (immutable: its name changes with its content)', 'text/javascript'), (res, req) =>
    serve(res, req, req.getUrl().slice(1)),
  );
}
