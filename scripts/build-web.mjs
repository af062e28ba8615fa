// Builds the console, the status page and the API reference (web/, see web/vite.config.ts) into
// dist/web, then writes dist/web/site.json: every file the node may serve, with its precompressed
// gzip and brotli twins (gateway/static-site.ts serves nothing else). Part of `npm run build`;
// skipped when neither web/ nor package-lock.json changed since the last build (the tests run the
// build before every run).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const source = join(root, 'web');
const output = join(root, 'dist/web');
const siteFile = join(output, 'site.json');

function filesUnder(folder) {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

const inputs = [...filesUnder(source), join(root, 'package-lock.json')];
const hash = createHash('sha256');
for (const file of inputs) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
const inputHash = hash.digest('hex');

if (existsSync(siteFile) && JSON.parse(readFileSync(siteFile, 'utf8')).inputHash === inputHash) process.exit(0);

const { build } = await import('vite');
await build({ configFile: join(source, 'vite.config.ts'), logLevel: 'warn' });

// Compress what compresses (text); the node picks br, then gzip, by Accept-Encoding.
const compressible = /\.(html|js|css|json|svg|txt|map)$/;
const files = [];
for (const file of filesUnder(output)) {
  const path = relative(output, file).split(sep).join('/');
  const body = readFileSync(file);
  const entry = { path, size: body.length, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
  if (compressible.test(path) && body.length > 256) {
    const gzip = gzipSync(body, { level: 9 });
    const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
    if (gzip.length < body.length) writeFileSync(`${file}.gz`, gzip), (entry.gzip = gzip.length);
    if (br.length < body.length) writeFileSync(`${file}.br`, br), (entry.br = br.length);
  }
  files.push(entry);
}
writeFileSync(siteFile, JSON.stringify({ inputHash, builtAt: new Date().toISOString(), files }, null, 2) + '\n');
const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
// What each page loads before it shows anything: the page and the assets it links (scripts, preloaded chunks, styles).
const byPath = new Map(files.map((entry) => [entry.path, entry]));
for (const page of files.filter((entry) => entry.path.endsWith('.html'))) {
  const html = readFileSync(join(output, page.path), 'utf8');
  const linked = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((match) => byPath.get(match[1])).filter(Boolean);
  const parts = [page, ...linked];
  const total = (field) => parts.reduce((sum, entry) => sum + (entry[field] ?? entry.size), 0);
  console.log(`web: /${page.path.replace(/index\.html$/, '')}  ${kib(total('size'))}, gzip ${kib(total('gzip'))} (${parts.length} files)`);
}
