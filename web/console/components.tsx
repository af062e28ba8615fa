import type { ComponentChildren } from 'preact';
import { formatTime, relativeTime } from '../shared/format.ts';
import { toneOf } from '../shared/tone.ts';
import { ApiError } from './api.ts';
import { href } from './router.ts';
import type { IncidentItem } from './types.ts';
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

/** Incidents as links with their status and severity, or `empty` when there are none. */
export function IncidentList({ items, empty }: { items: IncidentItem[]; empty: string }) {
  if (items.length === 0) return <p class="muted">{empty}</p>;
  return (
    <ul class="plain-list">
      {items.map((incident) => (
        <li key={incident.id}>
          <a href={href('incidents', incident.id)}>{incident.title}</a> <Badge status={incident.status} /> <Badge status={incident.severity} />{' '}
          <span class="muted">
            opened <Time at={incident.createdAt} />
          </span>
        </li>
      ))}
    </ul>
  );
}
