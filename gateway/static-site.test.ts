import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import type { us_listen_socket, us_socket } from 'uWebSockets.js';
import { afterAll, describe, expect, it } from 'vitest';
import uWS from './uws.ts';
import { ApiRouter } from './api-router.ts';
import { serveStaticSite } from './static-site.ts';

const log = pino({ level: 'silent' });
const sockets: us_listen_socket[] = [];
afterAll(() => sockets.forEach((socket) => uWS.us_listen_socket_close(socket)));

/** A uWS app with the static site of `root` and the node's catch-all, on a free port. */
async function serve(root: string): Promise<string> {
  const app = uWS.App();
  const router = new ApiRouter(app, { authenticator: { authenticate: () => Promise.reject(new Error('no token needed')) } as never, log });
  serveStaticSite(router, { root, log });
  router.fallback();
  const socket = await new Promise<us_listen_socket>((resolve, reject) => app.listen('127.0.0.1', 0, (listen) => (listen ? resolve(listen) : reject(new Error('listen failed')))));
  sockets.push(socket);
  return `http://127.0.0.1:${uWS.us_socket_local_port(socket as unknown as us_socket)}`;
}

/** A small built site: what scripts/build-web.mjs writes (pages, a hashed bundle with a gzip twin, site.json). */
function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-web-'));
  mkdirSync(join(root, 'assets'));
  mkdirSync(join(root, 'status'));
  const script = 'console.log("hello");'.repeat(50);
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(root, 'status/index.html'), '<!doctype html><title>status</title>');
  writeFileSync(join(root, 'assets/app-abc123.js'), script);
  writeFileSync(join(root, 'assets/app-abc123.js.gz'), gzipSync(script));
  writeFileSync(join(root, 'secret.txt'), 'not listed');
  const files = [
    { path: 'index.html', etag: '"i1"' },
    { path: 'status/index.html', etag: '"s1"' },
    { path: 'assets/app-abc123.js', etag: '"a1"', gzip: 1 },
  ];
  writeFileSync(join(root, 'site.json'), JSON.stringify({ files }));
  return root;
}

describe('the static site (dist/web)', () => {
  it('serves the pages with security headers, bundles as immutable and precompressed, and nothing that is not listed', async () => {
    const base = await serve(fakeBuild());
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self' ws: wss:");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await page.text()).toContain('console');
    expect(await (await fetch(`${base}/status`)).text()).toContain('status');
    expect(await (await fetch(`${base}/status/`)).text()).toContain('status');

    const bundle = await fetch(`${base}/assets/app-abc123.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(bundle.headers.get('content-encoding')).toBe('gzip');
    expect(await bundle.text()).toBe('console.log("hello");'.repeat(50)); // fetch decompresses
    const revalidated = await fetch(`${base}/assets/app-abc123.js`, { headers: { 'if-none-match': '"a1"' } });
    expect(revalidated.status).toBe(304);

    for (const path of ['/assets/nope.js', '/assets/../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/..%2fsecret.txt', '/secret.txt', '/site.json']) {
      const refused = await fetch(`${base}${path}`);
      expect(refused.status, path).toBe(404);
      expect(await refused.text()).not.toContain('not listed');
    }
  });

  it('answers 503 saying how to build it when dist/web is missing', async () => {
    const base = await serve(join(tmpdir(), 'vigil-no-such-build'));
    const answer = await fetch(`${base}/`);
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('npm run build');
    expect((await fetch(`${base}/status`)).status).toBe(503);
  });
});
