/**
 * The satellite agent as a package: the size of its bundle and of the tarball `npm pack` makes, and
 * how long `node <bundle> --help` takes (start-up: Node, then parsing and evaluating the bundle),
 * next to `node -e 0` (Node alone) on the same machine at the same time.
 *
 *   npm run bench:satellite-package                 # 20 runs each
 *   BENCH_RUNS=50 npm run bench:satellite-package
 *
 * Prints one JSON line. CPU time and peak RSS come from /usr/bin/time when it is installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const runs = Number(process.env.BENCH_RUNS ?? 20);
const root = fileURLToPath(new URL('../', import.meta.url));
const bundle = join(root, 'packages/satellite/dist/vigil-satellite.js');
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

execFileSync(process.execPath, [join(root, 'scripts/build-satellite.mjs')], { stdio: 'inherit', env: { ...process.env, VIGIL_BUILD_VERBOSE: '1' } });
const bytes = readFileSync(bundle);

const folder = mkdtempSync(join(tmpdir(), 'vigil-satellite-bench-'));
const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', folder], { cwd: join(root, 'packages/satellite'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const [tarball] = JSON.parse(packed.slice(packed.indexOf('['))) as Array<{ size: number; unpackedSize: number }>;
rmSync(folder, { recursive: true, force: true });

/** Runs `args` with Node `runs` times: wall ms (min, median, p90), and median CPU ms and peak RSS MB when /usr/bin/time exists. */
function startUp(args: string[]) {
  const walls: number[] = [];
  const cpus: number[] = [];
  const rss: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    const result = gnuTime
      ? spawnSync(gnuTime, ['-f', '%U %S %M', process.execPath, ...args], { encoding: 'utf8' })
      : spawnSync(process.execPath, args, { encoding: 'utf8' });
    walls.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
    if (gnuTime) {
      const [user, system, maxKb] = result.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
      cpus.push((user! + system!) * 1000);
      rss.push(maxKb! / 1024);
    }
  }
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const at = (values: number[], quantile: number) => Math.round(sorted(values)[Math.min(values.length - 1, Math.floor(quantile * values.length))]!);
  return {
    wallMs: { min: at(walls, 0), median: at(walls, 0.5), p90: at(walls, 0.9) },
    ...(gnuTime ? { cpuMsMedian: at(cpus, 0.5), peakRssMbMedian: at(rss, 0.5) } : {}),
  };
}

const loadAtStart = loadavg()[0]!;
const help = startUp([bundle, '--help']);
const nodeAlone = startUp(['-e', '0']);
console.log(
  JSON.stringify({
    node: process.version,
    loadAverage1m: { atStart: +loadAtStart.toFixed(2), atEnd: +loadavg()[0]!.toFixed(2) },
    bundleBytes: bytes.length,
    bundleGzipBytes: gzipSync(bytes, { level: 9 }).length,
    tarballBytes: tarball!.size,
    unpackedBytes: tarball!.unpackedSize,
    runs,
    help,
    nodeAlone,
  }),
);
