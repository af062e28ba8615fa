import { formatPercent, formatTime } from '../shared/format.ts';
import { toneOf } from '../shared/tone.ts';
import type { StatusDocument, SystemStatus } from './types.ts';

/**
 * The status page from `/status.json`, built with DOM calls (text is never parsed as HTML, so a
 * system or incident name cannot inject markup). No framework: this page is meant to load fast.
 */
type Child = Node | string | null | false | undefined;

function el(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

const statusText: Record<SystemStatus, string> = { operational: 'Operational', degraded: 'Degraded performance', outage: 'Outage', maintenance: 'Under maintenance' };

function badge(status: string, label = status): HTMLElement {
  return el('span', { class: `badge ${toneOf(status)}` }, label);
}

function time(at: number): HTMLElement {
  return el('time', { datetime: new Date(at).toISOString() }, formatTime(at));
}

/** Overall state: the worst system status, for the banner. */
function overall(document: StatusDocument): SystemStatus {
  const all = document.groups.flatMap((group) => group.systems.map((system) => system.status));
  for (const status of ['outage', 'degraded', 'maintenance'] as const) if (all.includes(status)) return status;
  return 'operational';
}

function uptimeBars(days: Array<{ day: string; ratio: number | null }>): HTMLElement {
  const known = days.filter((day) => day.ratio !== null) as Array<{ day: string; ratio: number }>;
  const average = known.length === 0 ? null : known.reduce((sum, day) => sum + day.ratio, 0) / known.length;
  const worst = known.filter((day) => day.ratio < 1).sort((a, b) => a.ratio - b.ratio).slice(0, 3);
  const summary =
    `Uptime over the last ${days.length} days: ${formatPercent(average)}` +
    (known.length < days.length ? ` (${days.length - known.length} days without data)` : '') +
    (worst.length ? `; lowest: ${worst.map((day) => `${day.day} ${formatPercent(day.ratio)}`).join(', ')}` : '') +
    '.';
  const bars = el('div', { class: 'bars', 'aria-hidden': 'true' });
  for (const day of days) {
    const tone = day.ratio === null ? 'none' : day.ratio >= 0.999 ? 'ok' : day.ratio >= 0.95 ? 'warn' : 'bad';
    bars.append(el('span', { class: `bar bar-${tone}`, title: `${day.day}: ${formatPercent(day.ratio)}` }));
  }
  return el('div', { class: 'uptime' }, bars, el('p', { class: 'uptime-text' }, summary));
}

export function renderStatus(root: HTMLElement, data: StatusDocument): void {
  root.replaceChildren();
  document.title = data.title || 'Status';
  root.append(el('h1', {}, data.title || 'Status'));
  if (!data.enabled) {
    root.append(el('p', { class: 'notice' }, 'This status page is not configured'));
    return;
  }
  const state = overall(data);
  root.append(
    el('p', { class: `banner ${toneOf(state)}`, role: 'status' }, state === 'operational' ? 'All systems operational' : `Some systems: ${statusText[state].toLowerCase()}`),
  );

  const names = new Map(data.groups.flatMap((group) => group.systems.map((system) => [system.id, system.name] as const)));
  const systemNames = (ids: string[]) => ids.map((id) => names.get(id) ?? id).join(', ');

  const incidentSection = (id: string, heading: string, incidents: StatusDocument['incidents']) => {
    const section = el('section', { 'aria-labelledby': id }, el('h2', { id }, heading));
    for (const incident of incidents) {
      const updates = el('ol', { class: 'updates', reversed: '' });
      for (const update of [...incident.updates].reverse()) {
        updates.append(el('li', {}, update.status ? el('strong', {}, `${update.status}: `) : null, update.message, ' ', el('span', { class: 'muted' }, time(update.at))));
      }
      section.append(
        el(
          'article',
          { class: 'card incident', 'data-incident': incident.id },
          el('h3', {}, incident.title, ' ', badge(incident.status), ' ', badge(incident.severity)),
          el(
            'p',
            { class: 'muted' },
            'Affects ',
            systemNames(incident.systemIds),
            ' · since ',
            time(incident.createdAt),
            incident.resolvedAt === null ? null : el('span', {}, ' · resolved ', time(incident.resolvedAt)),
          ),
          updates,
        ),
      );
    }
    return section;
  };
  const open = data.incidents.filter((incident) => incident.resolvedAt === null);
  const resolved = data.incidents.filter((incident) => incident.resolvedAt !== null);
  if (open.length > 0) root.append(incidentSection('incidents', 'Current incidents', open));

  const groups = el('section', { 'aria-labelledby': 'systems' }, el('h2', { id: 'systems' }, 'Systems'));
  for (const group of data.groups) {
    const list = el('ul', { class: 'systems' });
    for (const system of group.systems) {
      list.append(
        el(
          'li',
          { class: 'card', 'data-system': system.id },
          el('div', { class: 'system-head' }, el('h4', {}, system.name), badge(system.status, statusText[system.status])),
          uptimeBars(system.uptime),
        ),
      );
    }
    groups.append(el('h3', {}, group.name), list);
  }
  root.append(groups);

  if (data.maintenance.length > 0) {
    const section = el('section', { 'aria-labelledby': 'maintenance' }, el('h2', { id: 'maintenance' }, 'Maintenance'));
    for (const item of data.maintenance) {
      section.append(
        el(
          'article',
          { class: 'card' },
          el('h3', {}, item.title, ' ', badge(item.status === 'active' ? 'maintenance' : 'scheduled', item.status === 'active' ? 'in progress' : 'scheduled')),
          el('p', { class: 'muted' }, time(item.startsAt), ' – ', time(item.endsAt), ' · ', systemNames(item.systemIds)),
          item.description ? el('p', {}, item.description) : null,
        ),
      );
    }
    root.append(section);
  }
  if (resolved.length > 0) root.append(incidentSection('resolved', 'Recently resolved', resolved));
  root.append(el('p', { class: 'muted small' }, 'Updated ', time(data.generatedAt), '.'));
}

export function renderFailure(root: HTMLElement, message: string): void {
  root.replaceChildren(el('h1', {}, 'Status'), el('p', { class: 'notice', role: 'alert' }, message));
}
