/**
 * Runs tasks one after another per key, concurrently across keys, in the order they were
 * submitted. Used where messages are handled concurrently but their effects on one entity must
 * keep the stream's order (e.g. fires of one automation scope: `queued` mode is first in, first out).
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
