import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { defineAction, DeliveryFailure, type ActionContext } from './action-provider.ts';
import { deliveryRetrySchema, retryPolicyOf } from './delivery-retry.ts';
import { defaultMessage } from './notification-messages.ts';

/** Characters that would end a header line: refused in every value that becomes a header. */
const BREAKS_A_HEADER = /[\r\n\0]/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$|^\[?[0-9A-Fa-f:.]+\]?$/;
const MAILBOX = /^\s*(?:"([^"\\]*)"|([^"<>]*?))\s*<([^<>\s]+)>\s*$/;
const emailAddress = z.email({ message: 'not an e-mail address' });

/** One mailbox, `ops@example.com` or `Vigil Alerts <alerts@example.com>`: a display name without `"`, `<`, `>`, CR or LF, and a valid address. */
export const mailboxSchema = z
  .string()
  .max(320)
  .transform((text, context) => {
    if (BREAKS_A_HEADER.test(text)) {
      context.addIssue({ code: 'custom', message: 'an address cannot contain CR, LF or NUL' });
      return z.NEVER;
    }
    const named = MAILBOX.exec(text);
    const address = (named ? named[3]! : text).trim();
    const name = named ? (named[1] ?? named[2] ?? '').trim() : '';
    if (!emailAddress.safeParse(address).success) {
      context.addIssue({ code: 'custom', message: `"${text.slice(0, 80)}" is not an e-mail address (name@example.com or Name <name@example.com>)` });
      return z.NEVER;
    }
    return { name, address };
  });
export type Mailbox = z.output<typeof mailboxSchema>;

const headerText = (max: number, what: string) => z.string().max(max).refine((text) => !BREAKS_A_HEADER.test(text), { message: `${what} cannot contain CR, LF or NUL` });

export const SMTP_DEFAULT_PORTS = { starttls: 587, tls: 465, none: 25 } as const;

const emailConfig = z
  .strictObject({
    /** The SMTP server (a host name or an IP address). */
    host: z.string().regex(HOSTNAME, 'expected a host name or an IP address'),
    /** Default 587 (starttls), 465 (tls), 25 (none). A string of digits is accepted (a secret is text). */
    port: z.union([z.number(), z.string().regex(/^\d{1,5}$/).transform(Number)]).pipe(z.number().int().min(1).max(65_535)).optional(),
    /** `starttls` (default): plain connection upgraded with STARTTLS, which the server must offer; `tls`: TLS from the first byte; `none`: no encryption at all. */
    security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    username: headerText(256, 'username').optional(),
    /** Only as `${{ secrets.NAME }}`. */
    password: z.string().min(1).max(1_024).optional(),
    /** PEM certificate(s) of the CA that signed the server's certificate, when it is not a public one. */
    ca: z.string().max(65_536).includes('-----BEGIN CERTIFICATE-----', { message: 'expected PEM certificates (-----BEGIN CERTIFICATE-----)' }).optional(),
    from: mailboxSchema,
    /** One mailbox or a list of 1–50. */
    to: z.preprocess((value) => (typeof value === 'string' ? [value] : value), z.array(mailboxSchema).min(1).max(50)),
    /** Default: the message's title (per trigger). */
    subject: headerText(500, 'subject').optional(),
    /** Default: the message's text and footer (per trigger). */
    text: z.string().max(200_000).optional(),
    /** An HTML part besides the text (none by default). */
    html: z.string().max(500_000).optional(),
    /** Each of connecting, the greeting, TLS and every command; the whole attempt is cut after this plus 5 s. */
    timeout_ms: z.number().int().min(1_000).max(60_000).default(30_000),
    retry: deliveryRetrySchema,
  })
  .superRefine((config, context) => {
    if (config.security === 'none' && (config.username !== undefined || config.password !== undefined)) {
      context.addIssue({ code: 'custom', path: ['security'], message: 'credentials are only sent over TLS: use security starttls or tls, or no username and password' });
    }
    if ((config.username === undefined) !== (config.password === undefined)) {
      context.addIssue({ code: 'custom', path: [config.username === undefined ? 'username' : 'password'], message: 'give both username and password, or neither' });
    }
  });
type EmailConfig = z.output<typeof emailConfig>;

const portOf = (config: EmailConfig) => config.port ?? SMTP_DEFAULT_PORTS[config.security];

export const notifyEmail = defineAction({
  id: 'notify.email',
  displayName: 'Send an e-mail',
  description:
    'Sends an e-mail over SMTP (nodemailer): security starttls (default, the server must offer STARTTLS), tls, or none (no encryption, only without credentials); ' +
    'password must be a ${{ secrets.NAME }}. subject and text are templates with defaults per trigger; html is optional. Addresses and the subject cannot hold CR or LF. ' +
    'Every attempt is in the delivery log; failures are retried with backoff (retry) and the delivery is dead after the last attempt.',
  config: emailConfig,
  secretFields: ['password'],
  defaultConfig: (trigger) => {
    const { title, text, footer } = defaultMessage(trigger);
    return { subject: title, text: `${text}\n\n-- \n${footer}` };
  },
  delivery: {
    policy: (config) => retryPolicyOf(config.retry),
    target: (config) => `smtp ${config.host}:${portOf(config)} (${config.security}) → ${config.to.map((mailbox) => mailbox.address).join(', ')}`,
    timeoutMs: (config) => config.timeout_ms,
  },
  execute: (config, context) => sendEmail(config, context),
});

async function sendEmail(config: EmailConfig, context: ActionContext) {
  const port = portOf(config);
  const transport = createTransport({
    host: config.host,
    port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ignoreTLS: config.security === 'none',
    ...(config.username !== undefined && config.password !== undefined ? { auth: { user: config.username, pass: config.password } } : {}),
    tls: { minVersion: 'TLSv1.2', ...(config.ca !== undefined ? { ca: config.ca } : {}) },
    connectionTimeout: config.timeout_ms,
    greetingTimeout: config.timeout_ms,
    socketTimeout: config.timeout_ms,
    // Nothing in a message may make the node read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const where = `smtp ${config.host}:${port}`;
  // The same Message-ID on every attempt: a server that got an earlier one can tell.
  const domain = config.from.address.slice(config.from.address.lastIndexOf('@') + 1);
  const messageId = `<${context.delivery?.id ?? createHash('sha256').update(context.idempotencyKey).digest('hex').slice(0, 32)}@${domain}>`;
  const aborted = new Promise<never>((_, reject) => {
    const abort = () => reject(new DeliveryFailure(`${where}: ${String(context.signal.reason ?? 'aborted')}`, null, false));
    if (context.signal.aborted) abort();
    else context.signal.addEventListener('abort', abort, { once: true });
  });
  try {
    const info = await Promise.race([
      transport.sendMail({
        from: config.from,
        to: config.to,
        subject: config.subject ?? '',
        text: config.text ?? '',
        ...(config.html !== undefined ? { html: config.html } : {}),
        messageId,
      }),
      aborted,
    ]);
    const responseCode = Number(/^\d{3}/.exec(String(info.response ?? ''))?.[0] ?? 250);
    return { output: { responseCode, messageId, accepted: info.accepted.length } };
  } catch (error) {
    if (error instanceof DeliveryFailure) throw error;
    throw smtpFailure(error as SmtpError, where, context);
  } finally {
    transport.close();
  }
}

interface SmtpError extends Error {
  code?: string;
  /** The socket's own code under nodemailer's (`DEPTH_ZERO_SELF_SIGNED_CERT` under `ESOCKET`). */
  originalCode?: string;
  responseCode?: number;
  permanent?: boolean;
}

/** Codes of failures that the same message on the same settings would meet again. */
const PERMANENT_CODES = new Set(['EAUTH', 'ETLS', 'ECONFIG', 'EENVELOPE', 'EMESSAGE', 'ENOAUTH', 'EMAXRECIPIENTS']);
/** A server certificate that does not verify (untrusted, expired, another name): a setting to fix, not an outage. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

function smtpFailure(error: SmtpError, where: string, context: ActionContext): DeliveryFailure {
  const responseCode = typeof error.responseCode === 'number' ? error.responseCode : null;
  // With a server reply, its class decides (5xx but 503: permanent; nodemailer says so); without
  // one, what failed: a refused login or TLS setup fails again, a dropped connection may not.
  const permanent =
    responseCode !== null ? (error.permanent ?? (responseCode >= 500 && responseCode !== 503)) : PERMANENT_CODES.has(error.code ?? '') || CERTIFICATE_ERROR.test(error.originalCode ?? '');
  const codes = [error.code, error.originalCode].filter((code) => code !== undefined && code !== '').join(' ');
  const message = `${where}: ${codes ? `${codes} ` : ''}${error.message}`;
  return new DeliveryFailure(context.maskSecrets(message), responseCode, permanent);
}
