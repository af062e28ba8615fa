import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

/**
 * A client of a node process's inspector (the process runs with `--inspect=127.0.0.1:0`), for
 * exact memory readings from outside it: force a full garbage collection, then read the heap.
 * RSS alone cannot tell retained memory from garbage not yet collected.
 */
export class NodeInspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(result: unknown): void; reject(error: Error): void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
  }

  /** Connects to the inspector whose "Debugger listening on ws://…" line is in `output`. */
  static async connect(output: string): Promise<NodeInspector> {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
    if (!url) throw new Error('the node was not started with --inspect (no "Debugger listening" line)');
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new NodeInspector(ws);
  }

  private call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /**
   * The process's memory once it has settled (2 s, then full collections): the retained JS heap
   * and the resident set of `pid` (the inspected process).
   */
  async settledMemory(pid: number): Promise<{ heap: number; rss: number }> {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const heap = await this.retainedHeap();
    return { heap, rss: Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024 };
  }

  /** JS heap bytes still reachable after two full garbage collections. */
  async retainedHeap(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    return (await this.call<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
  }

  close(): void {
    this.ws.close();
  }
}
