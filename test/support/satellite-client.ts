import WebSocket from 'ws';
import { SATELLITE_PATH } from '../../protocol/satellite-protocol.ts';
import { waitFor } from './stream-reader.ts';

export interface SatelliteClient {
  ws: WebSocket;
  /** Every frame received so far, parsed. */
  frames: Array<Record<string, unknown>>;
  /** Resolves with the close code. */
  closed: Promise<number>;
  /** Resolves with the first frame (received so far or later) that `match` accepts. */
  frame(match: (frame: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends a `result` frame (defaults: up, latency 1, executed now). */
  result(fields: { resultId: string; checkId: string; systemId: string; status?: 'up' | 'down'; executedAt?: number }): void;
  /** Resolves when `resultId` is named in a `results_acked` frame. */
  acked(resultId: string, timeoutMs?: number): Promise<unknown>;
  /** Resolves with the refusal of `resultId` from a `results_refused` frame. */
  refused(resultId: string, timeoutMs?: number): Promise<{ resultId: string; code: string; message: string }>;
}

/** A raw satellite WebSocket client (what an agent does on the wire), for gateway tests. Rejects with `HTTP <status>` when the upgrade is refused. */
export function connectSatellite(port: number, token: string): Promise<SatelliteClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${SATELLITE_PATH}`, { headers: { authorization: `Bearer ${token}` } });
    const frames: Array<Record<string, unknown>> = [];
    const closed = new Promise<number>((resolveClose) => ws.on('close', (code) => resolveClose(code)));
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    ws.on('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.on('error', reject);
    const frame = (match: (frame: Record<string, unknown>) => boolean, what: string, timeoutMs = 10_000) => waitFor(() => frames.find(match), timeoutMs, what);
    const client: SatelliteClient = {
      ws,
      frames,
      closed,
      frame,
      result: ({ status = 'up', executedAt = Date.now(), ...fields }) =>
        ws.send(JSON.stringify({ type: 'result', status, latencyMs: 1, executedAt, ...fields })),
      acked: (resultId, timeoutMs) =>
        frame((f) => f.type === 'results_acked' && (f.resultIds as string[]).includes(resultId), `${resultId} acknowledged`, timeoutMs),
      refused: async (resultId, timeoutMs) => {
        const found = await frame((f) => f.type === 'results_refused' && (f.results as Array<{ resultId: string }>).some((r) => r.resultId === resultId), `${resultId} refused`, timeoutMs);
        return (found.results as Array<{ resultId: string; code: string; message: string }>).find((r) => r.resultId === resultId)!;
      },
    };
    ws.on('open', () => resolve(client));
  });
}
