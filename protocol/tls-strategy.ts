import * as z from 'zod';
import { certificateMinDaysLeftSchema, DEFAULT_TIMEOUT_MS, dnsNameSchema, hostSchema, portSchema, timeoutMsSchema } from './strategy-fields.ts';

/**
 * The TLS certificate of `host:port`: a handshake (no data sent), then the certificate is judged.
 * Up when it verifies (unless `acceptInvalidCertificates`) and has at least
 * `certificateMinDaysLeft` whole days left; reports days left, issuer, subject and expiry either way.
 */
export const tlsStrategySchema = z
  .object({
    kind: z.literal('tls'),
    host: hostSchema,
    port: portSchema.default(443),
    /** The name sent in SNI and verified against the certificate; default `host` (none when `host` is an IP address). */
    servername: dnsNameSchema.optional(),
    certificateMinDaysLeft: certificateMinDaysLeftSchema.default(14),
    /** Judge only the expiry of a certificate that does not verify (self-signed, private CA, other name). */
    acceptInvalidCertificates: z.boolean().default(false),
    timeoutMs: timeoutMsSchema.default(DEFAULT_TIMEOUT_MS),
  })
  .strict();
export type TlsStrategy = z.infer<typeof tlsStrategySchema>;
