import type { ComponentChildren } from 'preact';
import { formatTime, relativeTime } from '../shared/format.ts';
import { toneOf } from '../shared/tone.ts';
import { ApiError } from './api.ts';
import type { Resource } from './use-resource.ts';

export function Badge({ status, label }: { status: string; label?: string }) {
  return <span class={`badge ${toneOf(status)}`}>{label ?? status}</span>;
}

/** A time shown relative ("3 min ago"), exact in the element's datetime and title. */
export function Time({ at }: { at: number | null | undefined }) {
  if (at === null || at === undefined) return <span class="muted">—</span>;
  return (
    <time dateTime={new Date(at).toISOString()} title={formatTime(at)}>
      {relativeTime(at)}
    </time>
  );
}

export function ErrorNote({ error }: { error: Error }) {
  const forbidden = error instanceof ApiError && error.status === 403;
  return (
    <p role="alert" class="error-note">
      {forbidden ? 'Not allowed: ' : 'Error: '}
      {error.message}
    </p>
  );
}

/** Renders a resource: a loading line, its error, or `children(data)`. */
export function Loaded<T>({ resource, children }: { resource: Resource<T>; children: (data: T) => ComponentChildren }) {
  return (
    <>
      {resource.error && <ErrorNote error={resource.error} />}
      {resource.data === undefined ? !resource.error && <p class="muted" aria-live="polite">Loading…</p> : children(resource.data)}
    </>
  );
}

export function Json({ value }: { value: unknown }) {
  if (value === undefined) return <span class="muted">—</span>;
  return <pre class="json">{JSON.stringify(value, null, 2)}</pre>;
}
