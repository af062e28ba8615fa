import '../shared/base.css';
import './status.css';
import { renderFailure, renderStatus } from './render.ts';
import type { StatusDocument } from './types.ts';

const REFRESH_MS = 60_000;
const root = document.getElementById('status')!;

async function load(): Promise<void> {
  try {
    const response = await fetch('/status.json', { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) throw new Error(`the status is unavailable right now (HTTP ${response.status})`);
    renderStatus(root, (await response.json()) as StatusDocument);
  } catch (error) {
    // Keep what was shown before a failed refresh; say so only when there is nothing yet.
    if (root.getAttribute('aria-busy') === 'true') renderFailure(root, error instanceof Error ? error.message : String(error));
  } finally {
    root.setAttribute('aria-busy', 'false');
  }
}

void load();
setInterval(() => void load(), REFRESH_MS);
