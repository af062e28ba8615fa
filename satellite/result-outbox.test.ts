import { describe, expect, it } from 'vitest';
import { ResultOutbox, type ResultMessage } from './result-outbox.ts';

const result = (n: number): ResultMessage => ({
  type: 'result', resultId: `r${n}`, checkId: 'c', systemId: 's', status: 'up', latencyMs: 1, detail: '', executedAt: 1000 + n,
});
const drain = (outbox: ResultOutbox, now = 0) => {
  const sent: string[] = [];
  for (let message = outbox.takeNext(now); message; message = outbox.takeNext(now)) sent.push(message.resultId);
  return sent;
};

describe('the agent\'s result outbox', () => {
  it('keeps a sent result until it is acknowledged', () => {
    const outbox = new ResultOutbox(10);
    outbox.add(result(1));
    outbox.add(result(2));
    expect(drain(outbox)).toEqual(['r1', 'r2']);
    expect(outbox.size).toBe(2);
    outbox.acknowledge(['r1']);
    expect(outbox.size).toBe(1);
    expect(outbox.hasWaiting).toBe(false);
  });

  it('on a new connection sends every unacknowledged result again, oldest first, before newer ones', () => {
    const outbox = new ResultOutbox(10);
    [1, 2, 3].forEach((n) => outbox.add(result(n)));
    drain(outbox);
    outbox.acknowledge(['r2']);
    outbox.add(result(4));
    expect(outbox.resend()).toBe(2);
    expect(drain(outbox)).toEqual(['r1', 'r3', 'r4']);
  });

  it('sends again only what is overdue when asked for results sent before a time', () => {
    const outbox = new ResultOutbox(10);
    outbox.add(result(1));
    outbox.takeNext(100);
    outbox.add(result(2));
    outbox.takeNext(200);
    expect(outbox.resend(150)).toBe(1);
    expect(drain(outbox, 300)).toEqual(['r1']);
  });

  it('drops the oldest results beyond its bound, sent or not, and counts them', () => {
    const outbox = new ResultOutbox(3);
    [1, 2].forEach((n) => outbox.add(result(n)));
    drain(outbox);
    [3, 4, 5].forEach((n) => outbox.add(result(n)));
    expect(outbox.size).toBe(3);
    expect(outbox.dropped).toBe(2);
    outbox.resend();
    expect(drain(outbox)).toEqual(['r3', 'r4', 'r5']);
  });

  it('forgets refused results, sent or waiting, so they are never sent again', () => {
    const outbox = new ResultOutbox(10);
    [1, 2, 3, 4].forEach((n) => outbox.add(result(n)));
    expect(drain(outbox).slice(0, 2)).toEqual(['r1', 'r2']);
    outbox.resend(); // r1..r4 all waiting again
    outbox.takeNext(0); // r1 sent again
    expect(outbox.refuse(['r1', 'r3', 'unknown'])).toBe(2);
    expect(outbox.size).toBe(2);
    outbox.resend();
    expect(drain(outbox)).toEqual(['r2', 'r4']);
  });
});

