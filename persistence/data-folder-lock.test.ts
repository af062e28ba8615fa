import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DataFolderLock, DataFolderLockedError, identityOf, readDataFolderLock } from './index.ts';

const racerScript = fileURLToPath(new URL('../test/support/lock-racer.ts', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];
const locks: DataFolderLock[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const lock of locks.splice(0)) lock.release();
});

const folder = () => mkdtempSync(join(tmpdir(), 'vigil-lock-'));
const acquire = (dataDir: string, nodeId = 'test') => {
  const lock = DataFolderLock.acquire(dataDir, { nodeId, command: 'test' });
  locks.push(lock);
  return lock;
};
const lockFile = (dataDir: string) => join(dataDir, 'vigil.lock');

/** A lock-racer child process (test/support/lock-racer.ts); `next()` resolves with the next line it prints. */
function racer(nodeId: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', racerScript, nodeId], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let read = 0;
  let buffered = '';
  let stderr = '';
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    lines.push(...parts);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  child.once('exit', () => {
    for (const wake of waiters.splice(0)) wake();
  });
  const next = async () => {
    while (lines.length <= read) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`racer exited: ${stderr}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    return lines[read++]!;
  };
  const send = (line: string) => child.stdin.write(`${line}\n`);
  return { child, next, send };
}
type Racer = ReturnType<typeof racer>;

/** Lets every racer try to lock `dataDir` at the same instant; returns what each got, then releases. */
async function race(racers: Racer[], dataDir: string): Promise<string[]> {
  const at = Date.now() + 50;
  for (const each of racers) each.send(`acquire ${dataDir} ${at}`);
  const outcomes = await Promise.all(racers.map((each) => each.next()));
  for (const each of racers) each.send('release');
  await Promise.all(racers.map((each) => each.next()));
  return outcomes;
}

describe('DataFolderLock', () => {
  it('is exclusive: a second acquire (even in the same process) is refused at once, naming the holder', () => {
    const dataDir = folder();
    acquire(dataDir, 'first-node');
    const refused = (() => {
      try {
        DataFolderLock.acquire(dataDir, { nodeId: 'second', command: 'vigil check list' });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(DataFolderLockedError);
    const error = refused as DataFolderLockedError;
    expect(error.code).toBe('DATA_FOLDER_LOCKED');
    expect(error.holder).toMatchObject({ pid: process.pid, nodeId: 'first-node', command: 'test' });
    expect(error.message).toContain(`pid ${process.pid}, node id first-node (test) since `);
    expect(error.message).toContain('node.json');
    expect(error.message).toContain('VIGIL_DATA_DIR');
    expect(readDataFolderLock(dataDir)).toMatchObject({ pid: process.pid, nodeId: 'first-node', alive: true });
  });

  it('is released by release(): the file goes and the next acquire succeeds', () => {
    const dataDir = folder();
    const lock = acquire(dataDir);
    expect(lock.isHeld()).toBe(true);
    lock.release();
    expect(lock.isHeld()).toBe(false);
    expect(existsSync(lockFile(dataDir))).toBe(false);
    expect(acquire(dataDir).isHeld()).toBe(true);
  });

  it('takes over at once a lock left by a process killed with kill -9', async () => {
    const dataDir = folder();
    const holder = racer('killed');
    expect(await holder.next()).toBe('ready');
    holder.send(`acquire ${dataDir} 0`);
    expect(await holder.next()).toBe('won');
    expect(readDataFolderLock(dataDir)).toMatchObject({ pid: holder.child.pid, alive: true });
    expect(() => DataFolderLock.acquire(dataDir, { command: 'test' })).toThrow(DataFolderLockedError);
    const exited = new Promise((resolve) => holder.child.once('exit', resolve));
    holder.child.kill('SIGKILL');
    await exited;
    expect(readDataFolderLock(dataDir)).toMatchObject({ pid: holder.child.pid, alive: false });
    expect(acquire(dataDir).isHeld()).toBe(true);
    expect(readDataFolderLock(dataDir)).toMatchObject({ pid: process.pid, alive: true });
  });

  it('treats a lock whose pid now belongs to another process (other start time) as stale', () => {
    const dataDir = folder();
    const me = identityOf();
    if (me.startTicks === undefined) return; // no /proc: only the pid can be checked here
    const reused = { version: 1, token: 'aaaaaaaaaaaa', ...me, startTicks: me.startTicks + 1, command: 'vigil start', since: new Date().toISOString() };
    writeFileSync(lockFile(dataDir), JSON.stringify(reused));
    expect(acquire(dataDir).isHeld()).toBe(true);
  });

  it('never takes over a lock of another host: it cannot tell whether that holder lives', () => {
    const dataDir = folder();
    const elsewhere = { version: 1, token: 'bbbbbbbbbbbb', pid: 1, host: 'some-other-host', command: 'vigil start', since: '2026-01-01T00:00:00.000Z' };
    writeFileSync(lockFile(dataDir), JSON.stringify(elsewhere));
    expect(() => DataFolderLock.acquire(dataDir, { command: 'test' })).toThrow(/runs on host some-other-host.*delete .*vigil\.lock/);
  });

  it('replaces an unreadable lock file, and one whose takeover was interrupted by a dead taker', () => {
    const garbage = folder();
    writeFileSync(lockFile(garbage), 'not json');
    expect(acquire(garbage).isHeld()).toBe(true);

    const interrupted = folder();
    const stale = JSON.stringify({ version: 1, token: 'cccccccccccc', ...identityOf(), pid: 2 ** 22 + 7, command: 'vigil start', since: '2026-01-01T00:00:00.000Z' });
    writeFileSync(lockFile(interrupted), stale);
    const marker = `${lockFile(interrupted)}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 24)}`;
    writeFileSync(marker, JSON.stringify({ version: 1, token: 'dddddddddddd', ...identityOf(), pid: 2 ** 22 + 8, command: 'vigil start', since: '2026-01-01T00:00:00.000Z' }));
    expect(acquire(interrupted).isHeld()).toBe(true);
    expect(readdirSync(interrupted).filter((name) => name.includes('takeover'))).toEqual([]);
  });

  it('lets exactly one of several processes win, on a free folder and on a stale lock', async () => {
    const racers = Array.from({ length: 4 }, (_, index) => racer(`racer-${index}`));
    for (const each of racers) expect(await each.next()).toBe('ready');
    for (let round = 0; round < 20; round++) {
      const free = await race(racers, folder());
      expect(free.filter((outcome) => outcome === 'won'), free.join(',')).toHaveLength(1);
      expect(free.filter((outcome) => outcome === 'lost DATA_FOLDER_LOCKED')).toHaveLength(3);

      const staleFolder = folder();
      const stale = { version: 1, token: `stale-${round}-xxxx`, ...identityOf(), pid: 2 ** 22 + 9, command: 'vigil start', since: '2026-01-01T00:00:00.000Z' };
      writeFileSync(lockFile(staleFolder), JSON.stringify(stale));
      const taken = await race(racers, staleFolder);
      expect(taken.filter((outcome) => outcome === 'won'), taken.join(',')).toHaveLength(1);
      expect(taken.filter((outcome) => outcome === 'lost DATA_FOLDER_LOCKED')).toHaveLength(3);
    }
  }, 120_000);
});
