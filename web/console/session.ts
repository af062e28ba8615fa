/**
 * The API token of this tab: kept in sessionStorage, so it lasts while the tab is open (reloads
 * included), is not shared with other tabs or windows, and is gone when the tab closes. Any script
 * running on this origin could read it: the CSP (`default-src 'self'`, no inline scripts) is what
 * keeps foreign scripts out.
 */
const KEY = 'vigil.token';

type Listener = (token: string | null) => void;
const listeners = new Set<Listener>();

export function currentToken(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function signIn(token: string): void {
  sessionStorage.setItem(KEY, token);
  for (const listener of listeners) listener(token);
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener(null);
}

export function onTokenChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
