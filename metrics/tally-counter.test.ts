import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TallyCounter } from './tally-counter.ts';

describe('TallyCounter', () => {
  it('exports each tally as a counter series, present at 0 from its creation', async () => {
    const registry = new Registry();
    const counter = new TallyCounter(registry, { name: 'x_refused_total', help: 'refused', labelNames: ['reason'] });
    const full = counter.tally('BACKLOG_FULL');
    counter.tally('EARLY_OVERFLOW');
    full.count += 3;
    expect(counter.tally('BACKLOG_FULL')).toBe(full);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE x_refused_total counter');
    expect(text).toContain('x_refused_total{reason="BACKLOG_FULL"} 3');
    expect(text).toContain('x_refused_total{reason="EARLY_OVERFLOW"} 0');
    full.count++;
    expect(await registry.metrics()).toContain('x_refused_total{reason="BACKLOG_FULL"} 4');
  });

  it('works without labels and refuses a wrong number of label values', async () => {
    const registry = new Registry();
    const plain = new TallyCounter(registry, { name: 'y_total', help: 'y' });
    plain.tally().count += 2;
    expect(await registry.metrics()).toContain('y_total 2');
    const labeled = new TallyCounter(registry, { name: 'z_total', help: 'z', labelNames: ['a', 'b'] });
    expect(() => labeled.tally('only-one')).toThrow('z_total takes 2 label values, got 1');
  });
});
