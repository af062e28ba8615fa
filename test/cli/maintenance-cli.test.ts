import { describe, expect, it } from 'vitest';
import { useTestNode } from '../support/fixtures.ts';
import { runVigil } from '../support/vigil-cli.ts';
import { waitFor } from '../support/stream-reader.ts';
import { scaled } from '../support/time-scale.ts';

const fixture = useTestNode();
const run = (...args: string[]) => runVigil(fixture, args);
const stateValue = async (id: string) => (await fixture.node.runtime.get('maintenance', id)).stateValue;

describe('vigil maintenance', () => {
  it('adds one-off and recurring maintenances, whose durable timers start and end them; lists, cancels and removes them', async () => {
    // A window a moment from now: the node's timer starts it, then ends it.
    // Starting the CLI takes seconds on a loaded machine: the window opens late enough that the
    // command lands before it (else it would be created active, or finished).
    for (const id of ['sys-db', 'sys-api']) await fixture.node.router.dispatch('system', id, { type: 'create', name: id });
    const startsAt = Date.now() + 6_000;
    const soon = await run('maintenance', 'add', 'mnt-soon', '--title', 'Quick restart', '--systems', 'sys-db', '--start', String(startsAt), '--end', new Date(startsAt + 2_000).toISOString());
    expect(soon.code, soon.stderr).toBe(0);
    expect(soon.stdout).toContain('created, scheduled');
    await waitFor(async () => (await stateValue('mnt-soon')) === 'active', 15_000, 'window started by its timer');
    await waitFor(async () => (await stateValue('mnt-soon')) === 'finished', 20_000, 'window ended by its timer');
    const history = await fixture.node.runtime.history('maintenance', 'mnt-soon');
    expect(history.map((row) => row.cause.event)).toEqual(['create', 'window_start', 'window_end']);
    expect(history[1]!.at).toBeGreaterThanOrEqual(startsAt);

    const weekly = await run(
      'maintenance', 'add', 'mnt-weekly', '--title', 'DB patching', '--systems', 'sys-db,sys-api', '--description', 'monthly patches',
      '--weekdays', 'Sun', '--time', '02:00', '--duration', '2h', '--timezone', 'Europe/Berlin',
    );
    expect(weekly.code, weekly.stderr).toBe(0);
    expect(await fixture.node.runtime.get('maintenance', 'mnt-weekly')).toMatchObject({
      state: {
        status: expect.stringMatching(/^(scheduled|active)$/),
        systemIds: ['sys-db', 'sys-api'],
        schedule: { kind: 'recurring', timezone: 'Europe/Berlin', weekdays: ['sun'], startTime: '02:00', durationMinutes: 120 },
      },
    });

    const listed = JSON.parse((await run('maintenance', 'list', '--json')).stdout) as Array<{ maintenanceId: string; status: string }>;
    expect(listed.map((entry) => [entry.maintenanceId, entry.status])).toEqual([['mnt-soon', 'finished'], ['mnt-weekly', expect.any(String)]]);
    expect((await run('maintenance', 'list')).stdout).toContain('DB patching');

    expect((await run('maintenance', 'cancel', 'mnt-weekly')).code).toBe(0);
    expect(await stateValue('mnt-weekly')).toBe('finished');
    const again = await run('maintenance', 'cancel', 'mnt-weekly');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not scheduled or active');
    expect((await run('maintenance', 'remove', 'mnt-weekly')).code).toBe(0);
    expect((await fixture.node.runtime.get('maintenance', 'mnt-weekly')).state).toBeNull();

    // Bad input: usage errors (2) are caught locally, bad values (1) by the cluster's schema.
    expect((await run('maintenance', 'add', 'x', '--title', 'T')).code).toBe(2);
    expect((await run('maintenance', 'add', 'x', '--title', 'T', '--systems', 'a', '--start', '2026-01-01T10:00')).code).toBe(2);
    expect((await run('maintenance', 'add', 'x', '--title', 'T', '--systems', 'a', '--weekdays', 'mon', '--time', '10:00', '--duration', '90s')).code).toBe(2);
    const badZone = await run('maintenance', 'add', 'x', '--title', 'T', '--systems', 'a', '--weekdays', 'mon', '--time', '10:00', '--duration', '1h', '--timezone', 'Mars/Olympus');
    expect(badZone.code).toBe(1);
    expect(badZone.stderr).toContain('INVALID_EVENT');
    expect((await fixture.node.runtime.get('maintenance', 'x')).state).toBeNull();
    expect((await run('maintenance', 'add', 'mnt-soon', '--title', 'T', '--systems', 'a', '--start', '1', '--end', '2')).stderr).toContain('exists');
  }, scaled(180_000)); // fourteen CLI processes: on a busy machine their start-ups alone can take a minute
});
