import * as z from 'zod';
import { durationMs } from './duration.ts';
import { parseJsonPath } from './json-path-query.ts';
import { statusSetSchema } from './status-set.ts';
import { certificateMinDaysLeftSchema, DEFAULT_TIMEOUT_MS, timeoutMsSchema } from './strategy-fields.ts';

/** Body bytes an HTTP check reads at most for `bodyContains`, `bodyNotContains` and `jsonAssertions` (after decompression). */
export const MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_REDIRECTS = 10;

export const httpMethods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

// Headers Node computes from the request itself; set by hand they could only contradict it.
const COMPUTED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer']);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
// What Node sends in a header value: tab, visible ASCII and Latin-1, no line breaks.
const headerValue = z.string().max(2048).regex(/^[\t\x20-\x7e\x80-\xff]*$/, 'printable characters only (no line breaks)');

const jsonAssertionSchema = z
  .object({
    /** `$.status`, `$.checks[0].ok`, `$['a key']` (see protocol/json-path-query.ts). */
    path: z.string().min(1).max(200).superRefine((path, context) => {
      const parsed = parseJsonPath(path);
      if (typeof parsed === 'string') context.addIssue({ code: 'custom', message: parsed });
    }),
    /** The value there must equal this (strictly: `"1"` is not `1`); absent, the path must only exist. */
    equals: z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]).optional(),
  })
  .strict();

/**
 * An HTTP(S) request. Fields added after `expectedStatus` are optional without a default, so
 * checks stored before them read back unchanged; their defaults apply in the agent:
 * `expectedStatus` 200–299, redirects not followed, certificates verified.
 */
export const httpStrategySchema = z
  .object({
    kind: z.literal('http'),
    url: z.string().url().max(2000).refine((url) => /^https?:\/\//.test(url), 'http or https URL'),
    method: z.enum(httpMethods).default('GET'),
    /** Sent as given; `${env:NAME}` in a value is replaced on the satellite (see `ENV_REFERENCE`). */
    headers: z
      .record(z.string(), headerValue)
      .superRefine((headers, context) => {
        const names = Object.keys(headers);
        if (names.length > 32) context.addIssue({ code: 'custom', message: 'at most 32 headers' });
        const seen = new Set<string>();
        for (const name of names) {
          const lower = name.toLowerCase();
          if (!HEADER_NAME.test(name)) context.addIssue({ code: 'custom', path: [name], message: 'not an HTTP header name' });
          else if (COMPUTED_HEADERS.has(lower)) context.addIssue({ code: 'custom', path: [name], message: 'set by the agent itself' });
          else if (seen.has(lower)) context.addIssue({ code: 'custom', path: [name], message: 'given twice (header names ignore case)' });
          seen.add(lower);
        }
      })
      .optional(),
    /** Request body (text, ≤ 16 KiB), with POST, PUT, PATCH, DELETE or OPTIONS; `${env:NAME}` replaced as in headers. */
    body: z.string().max(16_384).optional(),
    expectedStatus: statusSetSchema.optional(),
    /** The whole run (all redirects, the body read) must take at most this long, else `assertion`. */
    maxResponseTimeMs: durationMs({ min: 1, max: 120_000 }).optional(),
    /** Case-sensitive text the first MiB of the body must contain … */
    bodyContains: z.string().min(1).max(1000).optional(),
    /** … or must not contain. */
    bodyNotContains: z.string().min(1).max(1000).optional(),
    /** Each must hold on the body parsed as JSON. */
    jsonAssertions: z.array(jsonAssertionSchema).min(1).max(16).optional(),
    /** Follow 301/302/303/307/308 (default false: a redirect is judged like any other status). */
    followRedirects: z.boolean().optional(),
    /** With `followRedirects`: more redirects than this fails with `status` (default 10). */
    maxRedirects: z.number().int().min(1).max(20).optional(),
    /** https: fewer whole days before the certificate expires fails with `tls`. */
    certificateMinDaysLeft: certificateMinDaysLeftSchema.optional(),
    /** https: accept a certificate that does not verify (self-signed, expired, other name). Default false. */
    acceptInvalidCertificates: z.boolean().optional(),
    timeoutMs: timeoutMsSchema.default(DEFAULT_TIMEOUT_MS),
  })
  .strict()
  .superRefine((strategy, context) => {
    if (strategy.body !== undefined && (strategy.method === 'GET' || strategy.method === 'HEAD')) {
      context.addIssue({ code: 'custom', path: ['body'], message: `a body goes with POST, PUT, PATCH, DELETE or OPTIONS, not ${strategy.method}` });
    }
    if (strategy.method === 'HEAD') {
      for (const field of ['bodyContains', 'bodyNotContains', 'jsonAssertions'] as const) {
        if (strategy[field] !== undefined) context.addIssue({ code: 'custom', path: [field], message: 'a HEAD response has no body' });
      }
    }
    if (strategy.maxRedirects !== undefined && strategy.followRedirects !== true) {
      context.addIssue({ code: 'custom', path: ['maxRedirects'], message: 'goes with followRedirects: true' });
    }
  });
export type HttpStrategy = z.infer<typeof httpStrategySchema>;
