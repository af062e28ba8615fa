import type { Assignment } from '../protocol/satellite-protocol.ts';

/**
 * Runs each assigned check every `intervalMs` on a fixed grid (first run at once, then
 * start + k·interval), so a slow check or a busy event loop delays one run without shifting the
 * following ones. A check still running when its next slot comes is skipped, not stacked.
 */
export class CheckScheduler {
  private readonly timers = new Map<string, { assignment: Assignment; timer: NodeJS.Timeout; running: boolean }>();

  constructor(private readonly run: (assignment: Assignment) => Promise<void>) {}

  /** Replaces the set of checks: new ones start, removed ones stop, changed ones restart. */
  update(assignments: Assignment[]): void {
    const wanted = new Map(assignments.map((assignment) => [assignment.checkId, assignment]));
    for (const [checkId, entry] of this.timers) {
      const next = wanted.get(checkId);
      if (!next || JSON.stringify(next) !== JSON.stringify(entry.assignment)) {
        clearTimeout(entry.timer);
        this.timers.delete(checkId);
      }
    }
    for (const assignment of wanted.values()) if (!this.timers.has(assignment.checkId)) this.start(assignment);
  }

  stop(): void {
    for (const entry of this.timers.values()) clearTimeout(entry.timer);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }

  private start(assignment: Assignment): void {
    const origin = Date.now();
    let slot = 0;
    const entry = { assignment, timer: undefined as unknown as NodeJS.Timeout, running: false };
    const tick = () => {
      if (this.timers.get(assignment.checkId) !== entry) return;
      if (!entry.running) {
        entry.running = true;
        void this.run(assignment).finally(() => {
          entry.running = false;
        });
      }
      slot = Math.max(slot + 1, Math.ceil((Date.now() - origin) / assignment.intervalMs));
      entry.timer = setTimeout(tick, Math.max(0, origin + slot * assignment.intervalMs - Date.now()));
    };
    this.timers.set(assignment.checkId, entry);
    entry.timer = setTimeout(tick, 0);
  }
}
