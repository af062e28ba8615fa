import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { MAX_BODY_BYTES, type HttpStrategy } from '../../protocol/check-strategy.ts';
import { parseJsonPath, valueAtJsonPath } from '../../protocol/json-path-query.ts';
import { CheckFailure } from './check-failure.ts';

/** Whether the strategy asserts anything on the body (else it is not read at all). */
export function needsBody(strategy: HttpStrategy): boolean {
  return strategy.bodyContains !== undefined || strategy.bodyNotContains !== undefined || strategy.jsonAssertions !== undefined;
}

/**
 * The body as text (UTF-8), decompressed when the server compressed it (gzip, deflate, br), cut
 * after `MAX_BODY_BYTES`: the rest is never read. `bytes` is how much was kept.
 */
export async function readBody(response: IncomingMessage): Promise<{ text: string; bytes: number; truncated: boolean }> {
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  let source: Readable = response;
  if (decoder) {
    source = response.pipe(decoder);
    // A body that does not decompress is the server's fault, said as an assertion on the body.
    response.once('error', (error) => decoder.destroy(error));
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  let truncated = false;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const room = MAX_BODY_BYTES - bytes;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      bytes += Math.min(chunk.length, room);
      if (chunk.length >= room) {
        truncated = true;
        break;
      }
    }
  } catch (error) {
    if (decoder && (error as { code?: string }).code?.startsWith('Z_')) {
      throw new CheckFailure('assertion', `the body is not valid ${encoding} (${(error as Error).message})`, (error as { code: string }).code);
    }
    throw error;
  } finally {
    source.destroy();
    response.destroy();
  }
  return { text: new TextDecoder().decode(Buffer.concat(chunks)), bytes, truncated };
}

/** Throws an `assertion` failure for the first of the strategy's body assertions that does not hold. */
export function assertBody(strategy: HttpStrategy, body: { text: string; truncated: boolean }): void {
  const scope = body.truncated ? ' (in its first MiB)' : '';
  if (strategy.bodyContains !== undefined && !body.text.includes(strategy.bodyContains)) {
    throw new CheckFailure('assertion', `the body does not contain ${JSON.stringify(strategy.bodyContains)}${scope}`);
  }
  if (strategy.bodyNotContains !== undefined && body.text.includes(strategy.bodyNotContains)) {
    throw new CheckFailure('assertion', `the body contains ${JSON.stringify(strategy.bodyNotContains)}`);
  }
  if (!strategy.jsonAssertions) return;
  let document: unknown;
  try {
    document = JSON.parse(body.text);
  } catch (error) {
    throw new CheckFailure('assertion', `the body is not JSON${body.truncated ? ' (or longer than 1 MiB)' : ''}: ${(error as Error).message}`);
  }
  for (const assertion of strategy.jsonAssertions) {
    const segments = parseJsonPath(assertion.path);
    if (typeof segments === 'string') throw new CheckFailure('internal', `JSON path ${assertion.path}: ${segments}`);
    const { found, value } = valueAtJsonPath(document, segments);
    if (!found) throw new CheckFailure('assertion', `${assertion.path} is not in the body`);
    if (assertion.equals !== undefined && value !== assertion.equals) {
      throw new CheckFailure('assertion', `${assertion.path} is ${shortJson(value)}, expected ${JSON.stringify(assertion.equals)}`);
    }
  }
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
