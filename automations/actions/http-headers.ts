import { z } from 'zod';

/** An HTTP field name (RFC 9110 `token`). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Characters that would end a header line or the request head. */
const BREAKS_A_HEADER = /[\r\n\0]/;
export const MAX_HEADER_VALUE_LENGTH = 8_192;

/**
 * Headers given in a config: valid names (none of `reserved`, compared case-insensitively), values
 * without CR, LF or NUL, and each name once regardless of case (`X-Key` and `x-key` together are
 * refused: which one would be sent is not obvious). Issue messages name the header, never its value.
 */
export function configuredHeadersSchema(reserved: readonly string[], reservedWhy: string) {
  const reservedNames = new Set(reserved.map((name) => name.toLowerCase()));
  const name = z.string().superRefine((text, context) => {
    if (!HEADER_NAME.test(text)) context.addIssue({ code: 'custom', message: `"${text}" is not a valid header name` });
    else if (reservedNames.has(text.toLowerCase())) context.addIssue({ code: 'custom', message: `header "${text}" ${reservedWhy}` });
  });
  const value = z
    .string()
    .max(MAX_HEADER_VALUE_LENGTH, { message: `a header value is at most ${MAX_HEADER_VALUE_LENGTH} characters` })
    .refine((text) => !BREAKS_A_HEADER.test(text), { message: 'a header value cannot contain CR, LF or NUL' });
  return z.record(name, value).superRefine((headers, context) => {
    const seen = new Map<string, string>();
    for (const header of Object.keys(headers)) {
      const earlier = seen.get(header.toLowerCase());
      if (earlier !== undefined) context.addIssue({ code: 'custom', path: [header], message: `header "${header}" is also given as "${earlier}" (names are case-insensitive): give it once` });
      else seen.set(header.toLowerCase(), header);
    }
  });
}

/**
 * The request's headers: `own` (Vigil's defaults), then each configured header replacing a
 * default of the same name in any case. One value per name; the configured one wins.
 */
export function requestHeaders(own: Record<string, string>, configured: Record<string, string>): Headers {
  const headers = new Headers(own);
  for (const [name, value] of Object.entries(configured)) headers.set(name, value);
  return headers;
}
