// Preload for node processes of clock tests (`node --import ./shifted-clock.mjs`): shifts this
// process's wall clock, as a host whose clock is off would. `Date.now()`, `new Date()` and
// `Date()` read `VIGIL_TEST_CLOCK_OFFSET_MS` ms ahead (negative: behind); with
// `VIGIL_TEST_CLOCK_OFFSET_FILE`, the number in that file instead, read again every 100 ms, so a
// test can step the clock of a running node. The monotonic clock (`performance.now()`) is left
// alone, as NTP or an operator stepping a host's clock leaves CLOCK_MONOTONIC alone.
import { readFileSync } from 'node:fs';

const RealDate = globalThis.Date;
const file = process.env.VIGIL_TEST_CLOCK_OFFSET_FILE;
let offset = Number(process.env.VIGIL_TEST_CLOCK_OFFSET_MS ?? 0) || 0;

function readOffsetFile() {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    if (Number.isFinite(value)) offset = value;
  } catch {
    // Not there (yet): keep the offset.
  }
}

if (file) {
  readOffsetFile();
  setInterval(readOffsetFile, 100).unref();
}

const now = () => RealDate.now() + offset;

globalThis.Date = new Proxy(RealDate, {
  construct(target, args, newTarget) {
    return Reflect.construct(target, args.length === 0 ? [now()] : args, newTarget);
  },
  apply() {
    return new RealDate(now()).toString();
  },
  get(target, property, receiver) {
    if (property === 'now') return now;
    return Reflect.get(target, property, receiver);
  },
});
