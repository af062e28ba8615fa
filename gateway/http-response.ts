import type { HttpResponse } from 'uWebSockets.js';
import type { AnsweredRequest } from './http-observer.ts';

/**
 * uWebSockets.js responses die with their connection: after `onAborted` fires, touching `res`
 * crashes the process. This wrapper remembers the abort and corks the late write, so async
 * handlers can answer safely.
 */
export class SafeResponse {
  private aborted = false;
  private readonly startedAt: number;

  constructor(
    private readonly res: HttpResponse,
    /** Told the status and duration of the answer (request metrics); a request aborted before it is not counted. */
    private readonly answered?: AnsweredRequest,
  ) {
    this.startedAt = answered ? performance.now() : 0;
    res.onAborted(() => {
      this.aborted = true;
    });
  }

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    this.send(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  }

  /** Answers `text` as it is, with `contentType` (e.g. the Prometheus exposition format). */
  text(status: number, contentType: string, text: string): void {
    this.send(status, text, { 'content-type': contentType });
  }

  /** Answers with a body already serialized (`null`: none at all, as a 304 must be), unless the client went away. */
  send(status: number, body: string | Uint8Array | null, headers: Record<string, string> = {}): void {
    if (this.aborted) return;
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${statusText[status] ?? ''}`.trim());
      for (const [name, value] of Object.entries(headers)) this.res.writeHeader(name, value);
      if (body === null) this.res.endWithoutBody();
      else this.res.end(body);
    });
    this.answered?.(status, (performance.now() - this.startedAt) / 1000);
  }

  private discarding = false;

  /**
   * Stops keeping the body being read (the request was refused before it was needed, e.g. 401):
   * its remaining chunks are dropped as they arrive and `readBody` resolves null.
   */
  discardBody(): void {
    this.discarding = true;
  }

  /** Collects the request body (at most `limit` bytes); resolves null if the client went away or sent too much. */
  readBody(limit = 1 << 20): Promise<Buffer | null> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      this.res.onData((chunk, isLast) => {
        size += chunk.byteLength;
        if (this.discarding) {
          chunks.length = 0;
          return resolve(null);
        }
        if (size > limit) return resolve(null);
        // uWS reuses the chunk's memory after this callback: copy it.
        chunks.push(Buffer.from(chunk.slice(0)));
        if (isLast) resolve(Buffer.concat(chunks));
      });
      this.res.onAborted(() => {
        this.aborted = true;
        resolve(null);
      });
    });
  }
}

const statusText: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};
