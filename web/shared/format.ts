/** Formatting shared by the console and the status page. Times are epoch ms. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatTime(at: number | null | undefined): string {
  return at === null || at === undefined ? '—' : dateTime.format(new Date(at));
}

/** "3 min ago", "in 2 h": coarse on purpose, with the exact time in a title next to it. */
export function relativeTime(at: number, now = Date.now()): string {
  const seconds = Math.round((at - now) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 60 ? [seconds, 's'] : abs < 3600 ? [Math.round(seconds / 60), 'min'] : abs < 86_400 ? [Math.round(seconds / 3600), 'h'] : [Math.round(seconds / 86_400), 'd'];
  if (value === 0) return 'now';
  return value < 0 ? `${-value} ${unit} ago` : `in ${value} ${unit}`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Rounded down to 0.01 %, so 99.999 % never shows as 100 %. */
export function formatPercent(ratio: number | null): string {
  return ratio === null ? 'no data' : `${Math.floor(ratio * 10_000) / 100}%`;
}
