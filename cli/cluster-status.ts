import { z } from 'zod';
import type { ClusterStatus } from '../node/index.ts';
import type { CommandLine } from './command-line.ts';
import { withNode } from './node-client.ts';

/** `vigil status [--json]`: what a node reads of the cluster (`GET /cluster/status`). */
export async function statusCommand(line: CommandLine): Promise<number> {
  const { json } = line.options(z.object({ json: z.boolean().optional() }));
  return withNode(line.configFile, async (node) => {
    const status = await node.request<ClusterStatus>('GET', '/cluster/status');
    console.log(json ? JSON.stringify(status, null, 2) : formatClusterStatus(status));
    return 0;
  });
}

/** The status as a short human-readable report. */
export function formatClusterStatus(status: ClusterStatus): string {
  const lines: string[] = [];
  lines.push(`namespace ${status.namespace}: ${status.nodes.length} node(s), ${status.partitionCount} partitions`);
  for (const node of status.nodes) {
    lines.push(`  ${node.nodeId.padEnd(24)} http :${String(node.httpPort).padEnd(6)} started ${node.startedAt}  ${node.partitions.length} partitions ${compactRanges(node.partitions)}`);
    if (node.clock) lines.push(`  ${''.padEnd(24)} clock ${formatOffset(node.clock.offsetMs)} ms vs the database's (±${node.clock.uncertaintyMs} ms)${node.clock.status === 'ok' ? '' : `, ${node.clock.status.toUpperCase()}`}`);
    if (node.standby) lines.push(`  ${''.padEnd(24)} STANDBY, owns no partitions: ${node.standby}`);
  }
  const offsets = status.nodes.flatMap((node) => (node.clock ? [node.clock.offsetMs] : []));
  if (offsets.length > 1) lines.push(`clocks: ${Math.round(Math.max(...offsets) - Math.min(...offsets))} ms between the furthest apart nodes (deadlines use the database's clock)`);
  lines.push(status.unownedPartitions.length === 0 ? 'every partition has an owner' : `WITHOUT OWNER: ${compactRanges(status.unownedPartitions)}`);
  lines.push(`outbox backlog: ${status.outboxBacklog} change(s) committed but not yet on JetStream`);
  lines.push(`durable timers: ${status.timers}`);
  lines.push(status.consumers.length === 0 ? 'work-queue groups: none' : 'work-queue groups (pending = lag, ack pending = in handlers):');
  for (const consumer of status.consumers) {
    lines.push(`  ${consumer.name.padEnd(28)} ${consumer.filter.padEnd(32)} pending ${consumer.pending}, ack pending ${consumer.ackPending}, redelivered ${consumer.redelivered}`);
  }
  lines.push(status.parked.length === 0 ? 'parked messages: none' : 'parked messages:');
  for (const parked of status.parked) lines.push(`  ${parked.subject.padEnd(40)} ${parked.messages}`);
  return lines.join('\n');
}

/** "+12.5" / "-3" : the sign always shown. */
function formatOffset(offsetMs: number): string {
  return `${offsetMs >= 0 ? '+' : ''}${offsetMs}`;
}

function compactRanges(values: number[]): string {
  const ranges: string[] = [];
  for (let index = 0; index < values.length; ) {
    let end = index;
    while (end + 1 < values.length && values[end + 1] === values[end]! + 1) end++;
    ranges.push(end === index ? String(values[index]) : `${values[index]}-${values[end]}`);
    index = end + 1;
  }
  return ranges.join(',');
}
