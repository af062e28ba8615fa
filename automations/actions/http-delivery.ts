import { z } from 'zod';
import { toStorableText } from '../../machines/index.ts';
import { DeliveryFailure, type ActionContext } from './action-provider.ts';
import { readBodyPrefix } from './http-request.action.ts';

/** An http(s) URL without `user:password@` (fetch refuses those, and would echo them in its error). */
export const deliveryUrlSchema = z
  .url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' })
  .refine((url) => URL.canParse(url) && new URL(url).username === '' && new URL(url).password === '', {
    message: 'a URL cannot carry credentials (user:password@)',
  });

/** Characters of a receiver's answer kept in a failure's message, and bytes read to find them. */
const MAX_ANSWER_CHARS = 300;
const MAX_ANSWER_BYTES = 4_096;

/**
 * POSTs `body` (already serialized, sent as is) to `url` with `headers`, within `timeoutMs` or
 * the step's signal. Redirects are not followed: a receiver that moved is a configuration to
 * fix, and following would hand the body to another address. Resolves the status of a 2xx
 * answer; throws `DeliveryFailure` otherwise: permanent for a 3xx and for a 4xx other than 408
 * and 429, transient for the rest and for network errors and timeouts (no status). Messages name
 * the URL's origin only and are masked (`context.maskSecrets`).
 */
export async function postForDelivery(url: string, body: string, headers: Headers, timeoutMs: number, context: Pick<ActionContext, 'signal' | 'maskSecrets'>): Promise<number> {
  const target = `POST ${new URL(url).origin}`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any([context.signal, AbortSignal.timeout(timeoutMs)]) });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${(error as Error).message}${cause ? ` (${cause})` : ''}`;
    throw new DeliveryFailure(context.maskSecrets(`${target}: ${reason}`), null, false);
  }
  const answer = toStorableText(context.maskSecrets(await readBodyPrefix(response, MAX_ANSWER_BYTES).catch(() => '')), MAX_ANSWER_CHARS).trim();
  if (response.status >= 200 && response.status < 300) return response.status;
  const permanent = response.status >= 300 && response.status < 500 && response.status !== 408 && response.status !== 429;
  const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
  throw new DeliveryFailure(`HTTP ${response.status} from ${target}${redirect}${answer ? `: ${answer}` : ''}`, response.status, permanent);
}
