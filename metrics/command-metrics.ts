import type { Registry } from 'prom-client';
import type { CommandObserver } from '../actors/index.ts';
import { entityKinds } from '../machines/index.ts';
import { TallyCounter } from './tally-counter.ts';

const knownKinds = new Set<string>(entityKinds);

/**
 * `vigil_nats_commands_total{kind,via,outcome}`: commands answered over NATS request/reply.
 * `via` is `cluster` (the public subject, any node) or `node` (forwarded to this node as the
 * entity's owner: one command routed through two nodes counts once on each). `kind` is an entity
 * kind or `other` (the subject is the caller's to choose); `outcome` is `ok` or the error code.
 */
export function commandMetrics(registry: Registry): CommandObserver {
  const commands = new TallyCounter(registry, { name: 'vigil_nats_commands_total', help: 'Commands answered over NATS, by entity kind, subject (cluster or node) and outcome (ok or error code).', labelNames: ['kind', 'via', 'outcome'] });
  return {
    answered(kind, via, outcome) {
      commands.tally(knownKinds.has(kind) ? kind : 'other', via, outcome).count++;
    },
  };
}
