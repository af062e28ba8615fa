import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The browser surfaces, built ahead of time into dist/web (never at request time): the console at
 * `/`, the public status page at `/status`, the API reference at `/docs/api`. Hashed bundles in
 * `assets/`, which gateway/static-site.ts serves as immutable.
 */
export default defineConfig({
  root: here('.'),
  base: '/',
  plugins: [preact({ prerender: { enabled: false } })],
  // No public/ folder: everything served is a build output listed by the build.
  publicDir: false,
  build: {
    outDir: here('../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // Inline nothing: CSP `default-src 'self'` forbids data: URLs and inline scripts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        console: here('index.html'),
        status: here('status/index.html'),
        api: here('docs/api/index.html'),
      },
    },
  },
});
