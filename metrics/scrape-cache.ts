/**
 * Wraps a read done at scrape time (a query, a JetStream request) so that it runs at most once
 * per `ttlMs`: every scrape within that time, and every gauge fed by the same read, shares one
 * result. A failed read is kept as long as a successful one, so a scrape storm during an outage
 * does not hammer the database or NATS either.
 */
export function cachedRead<T>(ttlMs: number, read: () => Promise<T>, now: () => number = () => performance.now()): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (!last || at - last.at >= ttlMs) {
      const value = (async () => read())();
      // Handled here, so a failure nobody awaits (no scrape came) is not an unhandled rejection.
      value.catch(() => undefined);
      last = { at, value };
    }
    return last.value;
  };
}
