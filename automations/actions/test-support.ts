import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActionContext } from './action-provider.ts';

/** One request as a webhook receiver got it: the raw body and every header line as sent. */
export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as sent (already percent-encoded by the sender's URL parser). */
  url: string;
  headers: IncomingHttpHeaders;
  /** Alternating names and values, one pair per header line received. */
  rawHeaders: string[];
  body: string;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  readonly received: ReceivedRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that records each request and answers with `answer` (default 200, empty body). */
export async function startWebhookReceiver(answer: (request: ReceivedRequest, index: number) => { status?: number; body?: string } = () => ({})): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const got: ReceivedRequest = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, rawHeaders: request.rawHeaders, body: Buffer.concat(chunks).toString('utf8') };
      received.push(got);
      const { status = 200, body = '' } = answer(got, received.length - 1);
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every value received for header `name` (any case), one per header line. */
export function headerLines(request: ReceivedRequest, name: string): string[] {
  const values: string[] = [];
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    if (request.rawHeaders[index]!.toLowerCase() === name.toLowerCase()) values.push(request.rawHeaders[index + 1]!);
  }
  return values;
}

/** An action context for calling an action directly (no cluster): entities are absent, the log is dropped. */
export function directActionContext(overrides: Partial<ActionContext> = {}): ActionContext {
  const ignore = () => {};
  return {
    runId: 'auto-1:r1',
    automationId: 'auto-1',
    idempotencyKey: 'auto-1:r1:actions[0]',
    artifacts: {},
    dispatch: async () => null,
    read: async () => null,
    latestId: async () => null,
    log: { debug: ignore, info: ignore, warn: ignore, error: ignore },
    maskSecrets: (text) => text,
    signal: new AbortController().signal,
    ...overrides,
  };
}
