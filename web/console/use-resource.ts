import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { liveFeed } from './live.ts';

export interface Resource<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `load()` now, again when `deps` change, and again (at most every 300 ms) when the live
 * feed reports a change of one of `kinds`. The newest answer wins; older ones arriving late are
 * dropped, and an error keeps the last data shown.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[], kinds: string[]): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | null; loading: boolean }>({ data: undefined, error: null, loading: true });
  const sequence = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const mine = ++sequence.current;
    loadRef.current().then(
      (data) => mine === sequence.current && setState({ data, error: null, loading: false }),
      (error: unknown) => mine === sequence.current && setState((prev) => ({ data: prev.data, error: error instanceof Error ? error : new Error(String(error)), loading: false })),
    );
  }, []);

  useEffect(() => {
    setState((prev) => ({ ...prev, loading: true }));
    reload();
  }, deps);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const unsubscribe = liveFeed.subscribe(kinds, () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        reload();
      }, 300);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [kinds.join(',')]);

  return { ...state, reload };
}
