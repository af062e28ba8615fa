import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { DataFolderLockedError, DataFolderLockError, type DataFolderHolder } from './errors.ts';
import { identityOf, processIdentitySchema, processState } from './process-identity.ts';

/** The lock file's name inside the data folder. */
export const DATA_FOLDER_LOCK_FILE = 'vigil.lock';

const lockContentSchema = processIdentitySchema.extend({
  version: z.literal(1),
  /** Makes every lock file's content unique, so a stale one is named by the hash of its bytes. */
  token: z.string().min(8),
  nodeId: z.string().min(1).optional(),
  command: z.string().min(1),
  since: z.string().min(1),
});
type LockContent = z.infer<typeof lockContentSchema>;

export interface DataFolderOwner {
  /** The node id, when a node takes the lock. */
  nodeId?: string;
  /** What the process does with the folder, shown to whoever is refused (`vigil start`, `vigil check list`). */
  command: string;
}

/**
 * An exclusive lock on a data folder (the embedded PGlite database and the embedded NATS store),
 * held by one process, not shared between callers of the same process.
 *
 * The lock is `<folder>/vigil.lock`: a file that appears whole or not at all (written to a temporary
 * file, then hard-linked into place; `link` fails if the name exists) and holds the holder's pid,
 * process start time and boot id (see `process-identity.ts`). A holder that died, even with
 * `kill -9`, is recognised at once by the next process (its pid is gone, or now belongs to a
 * process with another start time) and its lock is replaced: only the one process that creates
 * `<lock>.takeover-<hash of the stale lock's bytes>` (exclusively) may replace it, so two processes
 * racing for a stale lock never both win. A live holder is never waited on: `acquire` throws
 * `DataFolderLockedError` naming it. A lock of another host (shared folders) is never taken over.
 */
export class DataFolderLock {
  private released = false;
  private readonly releaseOnExit = () => this.release();

  private constructor(
    /** The absolute path of the locked folder. */
    readonly folder: string,
    private readonly file: string,
    private readonly content: string,
  ) {
    // A process that ends without stopping (process.exit, an uncaught error) still leaves no lock.
    process.once('exit', this.releaseOnExit);
  }

  /**
   * Takes the lock of `dataDir` (created if missing). Throws `DataFolderLockedError` when another
   * live process (or another `DataFolderLock` of this process) holds it, and `DataFolderLockError`
   * when the lock file cannot be written.
   */
  static acquire(dataDir: string, owner: DataFolderOwner): DataFolderLock {
    const folder = resolve(dataDir);
    const file = join(folder, DATA_FOLDER_LOCK_FILE);
    try {
      mkdirSync(folder, { recursive: true });
    } catch (error) {
      throw new DataFolderLockError(`cannot create the data folder ${folder}: ${(error as Error).message}`, { cause: error });
    }
    const content = serialise({
      version: 1,
      token: randomBytes(12).toString('hex'),
      ...identityOf(),
      ...(owner.nodeId ? { nodeId: owner.nodeId } : {}),
      command: owner.command,
      since: new Date().toISOString(),
    });
    // A few rounds cover losing a race (a lock released, replaced or being replaced meanwhile).
    const deadline = Date.now() + 2_000;
    while (Date.now() < deadline) {
      if (createExclusively(file, content)) return new DataFolderLock(folder, file, content);
      const current = readRaw(file);
      if (current === undefined) continue; // released between our attempt and the read
      const holder = parse(current);
      if (holder) {
        const state = processState(holder);
        if (state !== 'gone') throw DataFolderLockedError.heldBy(folder, holderOf(holder), state === 'alive');
      }
      // Stale (dead holder) or unreadable: replace it, unless another process is doing just that.
      if (replaceStale(file, current, content, 0)) return new DataFolderLock(folder, file, content);
      sleep(5);
    }
    throw DataFolderLockedError.contended(folder);
  }

  /** Whether this lock is still held by this process (its file is still the one it wrote). */
  isHeld(): boolean {
    return !this.released && readRaw(this.file) === this.content;
  }

  /** Gives the lock up (removes the file if it is still this lock's). Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener('exit', this.releaseOnExit);
    if (readRaw(this.file) === this.content) unlinkQuietly(this.file);
  }
}

/** The holder named in `<dataDir>/vigil.lock`, whether alive or not; undefined without a readable lock file. */
export function readDataFolderLock(dataDir: string): (DataFolderHolder & { alive: boolean }) | undefined {
  const raw = readRaw(join(resolve(dataDir), DATA_FOLDER_LOCK_FILE));
  const content = raw === undefined ? undefined : parse(raw);
  return content ? { ...holderOf(content), alive: processState(content) === 'alive' } : undefined;
}

/**
 * Replaces the stale lock `staleRaw` at `file` with `content`, if this process wins the exclusive
 * right to (the takeover marker named after the stale bytes). The marker may itself be stale (its
 * taker died between creating and removing it): then it is taken over the same way, a level down.
 */
function replaceStale(file: string, staleRaw: string, content: string, depth: number): boolean {
  if (depth > 3) return false;
  const marker = `${file}.takeover-${createHash('sha256').update(staleRaw).digest('hex').slice(0, 24)}`;
  if (!createExclusively(marker, content)) {
    const markerRaw = readRaw(marker);
    if (markerRaw === undefined) return false;
    const taker = parse(markerRaw);
    // A live process is replacing this stale lock right now: it wins.
    if (taker && processState(taker) !== 'gone') return false;
    if (!replaceStale(marker, markerRaw, content, depth + 1)) return false;
  }
  try {
    // Holding the marker, nobody else may replace these bytes; they may only have changed before we got it.
    if (readRaw(file) !== staleRaw) return false;
    writeWhole(`${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`, content, (temporary) => renameSync(temporary, file));
    return true;
  } finally {
    if (readRaw(marker) === content) unlinkQuietly(marker);
  }
}

/** Creates `file` with `content` if no file of that name exists; false if one does. The file appears whole. */
function createExclusively(file: string, content: string): boolean {
  let created = false;
  writeWhole(`${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`, content, (temporary) => {
    try {
      linkSync(temporary, file);
      created = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  });
  return created;
}

/** Writes `content` to a new temporary file, flushed to disk, hands it to `place`, then removes the temporary name. */
function writeWhole(temporary: string, content: string, place: (temporary: string) => void): void {
  try {
    const fd = openSync(temporary, 'wx', 0o644);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    place(temporary);
  } catch (error) {
    throw new DataFolderLockError(`cannot write the data folder lock ${temporary}: ${(error as Error).message}`, { cause: error });
  } finally {
    unlinkQuietly(temporary);
  }
}

function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DataFolderLockError(`cannot read the data folder lock ${file}: ${(error as Error).message}`, { cause: error });
  }
}

function parse(raw: string): LockContent | undefined {
  try {
    const parsed = lockContentSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function serialise(content: LockContent): string {
  return `${JSON.stringify(content)}\n`;
}

function holderOf(content: LockContent): DataFolderHolder {
  return { pid: content.pid, host: content.host, command: content.command, since: content.since, ...(content.nodeId ? { nodeId: content.nodeId } : {}) };
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
