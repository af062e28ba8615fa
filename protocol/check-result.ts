import * as z from 'zod';

/**
 * What one check run found, beyond up or down: why it failed, how long each phase took, and what
 * the strategy measured. Shared by the satellite protocol (the `result` frame), push monitors and
 * the stored check history, so a failure keeps its cause from the agent to the API.
 */

/**
 * Why a check failed, by phase:
 * - `dns`: the name did not resolve, or a DNS check got an unexpected answer set;
 * - `connect`: the TCP connection was refused, reset or unreachable;
 * - `tls`: the TLS handshake failed, or the certificate is invalid or expires too soon;
 * - `timeout`: no answer within the check's `timeoutMs`;
 * - `status`: the HTTP status is not one of the expected ones;
 * - `assertion`: an assertion on the answer failed (keyword, JSON path, response time);
 * - `missed`: a push monitor received no ping within its period plus grace;
 * - `reported`: a push monitor's ping said the job failed;
 * - `internal`: the agent could not run the check (a bug or resource problem, not the target's fault).
 */
export const checkErrorKindSchema = z.enum(['dns', 'connect', 'tls', 'timeout', 'status', 'assertion', 'missed', 'reported', 'internal']);
export type CheckErrorKind = z.infer<typeof checkErrorKindSchema>;

export const checkErrorSchema = z.object({
  kind: checkErrorKindSchema,
  /** For people: what failed, e.g. `connect ECONNREFUSED 10.0.0.7:443`. */
  message: z.string().max(2000),
  /** The system error code where there is one (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`). */
  code: z.string().max(64).optional(),
});
export type CheckError = z.infer<typeof checkErrorSchema>;

const phaseMs = z.number().nonnegative().max(3_600_000);
/** Milliseconds per phase of one run, each present where it applies to the strategy. */
export const checkTimingsSchema = z.object({
  dnsMs: phaseMs.optional(),
  connectMs: phaseMs.optional(),
  tlsMs: phaseMs.optional(),
  firstByteMs: phaseMs.optional(),
  totalMs: phaseMs.optional(),
});
export type CheckTimings = z.infer<typeof checkTimingsSchema>;

/** Most values one run may report in `measured`. */
export const MAX_MEASURED_VALUES = 16;
/**
 * What the strategy measured, by name: `statusCode`, `certificateDaysLeft`, `answers` (DNS), …
 * Flat and small; the names each strategy reports are listed in docs/PROTOCOL.md.
 */
export const checkMeasuredSchema = z
  .record(z.string().min(1).max(64).regex(/^[A-Za-z][A-Za-z0-9_]*$/), z.union([z.number(), z.boolean(), z.string().max(500)]))
  .refine((values) => Object.keys(values).length <= MAX_MEASURED_VALUES, `at most ${MAX_MEASURED_VALUES} measured values`);
export type CheckMeasured = z.infer<typeof checkMeasuredSchema>;
