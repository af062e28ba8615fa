/**
 * A process that takes data folder locks, for tests of races between processes:
 * `node --import tsx test/support/lock-racer.ts <nodeId>` prints `ready`, then obeys lines on stdin:
 * `acquire <dataDir> <epochMs>` spins until that instant (so several racers start together), tries
 * `DataFolderLock.acquire` and prints `won` or `lost <code>`; `release` gives up what it holds.
 * Exits when stdin closes (or when killed, which leaves its lock behind).
 */
import { createInterface } from 'node:readline';
import { DataFolderLock, DataFolderLockedError } from '../../persistence/index.ts';

const nodeId = process.argv[2];
if (!nodeId) throw new Error('usage: lock-racer.ts <nodeId>');
let held: DataFolderLock | undefined;
console.log('ready');
for await (const line of createInterface({ input: process.stdin })) {
  const [command, dataDir, at] = line.split(' ');
  if (command === 'release') {
    held?.release();
    held = undefined;
    console.log('released');
  } else if (command === 'acquire' && dataDir) {
    while (Date.now() < Number(at ?? 0)) {
      // spin: every racer tries at the same instant
    }
    try {
      held = DataFolderLock.acquire(dataDir, { nodeId, command: 'lock-racer' });
      console.log('won');
    } catch (error) {
      console.log(`lost ${error instanceof DataFolderLockedError ? error.code : String(error)}`);
    }
  }
}
held?.release();
