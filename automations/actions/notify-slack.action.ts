import { z } from 'zod';
import { truncateText } from '../../protocol/storable-text.ts';
import { defineAction } from './action-provider.ts';
import { deliveryRetrySchema, retryPolicyOf } from './delivery-retry.ts';
import { deliveryUrlSchema, postForDelivery } from './http-delivery.ts';
import { defaultMessage, type NotificationMessage } from './notification-messages.ts';

/** Slack's limits (Block Kit): a header's text, a section's text, a context element's text. */
export const SLACK_HEADER_CHARS = 150;
export const SLACK_SECTION_CHARS = 3_000;
export const SLACK_CONTEXT_CHARS = 2_000;
/** The plain-text `text` (notifications, clients without blocks). */
export const SLACK_FALLBACK_CHARS = 4_000;

const slackConfig = z.strictObject({
  /** The incoming webhook's URL: it is the credential, so only as `${{ secrets.NAME }}`. */
  webhook_url: deliveryUrlSchema,
  /** Header line (templates; default per trigger). Cut to 150 characters, line breaks become spaces. */
  title: z.string().max(1_000).optional(),
  /** Body, as Slack mrkdwn with `&`, `<` and `>` escaped (default per trigger). */
  text: z.string().max(20_000).optional(),
  /** Context line under the body (default: the automation, run and incident). */
  footer: z.string().max(2_000).optional(),
  timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
  retry: deliveryRetrySchema,
});

export interface SlackMessage {
  text: string;
  blocks: Array<
    | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: true } }
    | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
    | { type: 'context'; elements: Array<{ type: 'mrkdwn'; text: string }> }
  >;
}

/** Slack mrkdwn control characters escaped: data cannot mention `@channel`, link, or break the formatting. */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${truncateText(text, max - 1)}…`);

/** The Block Kit message (header, section, context) and its plain `text` fallback, within Slack's limits. */
export function slackMessage(message: NotificationMessage): SlackMessage {
  const title = cut(message.title.replace(/\s*[\r\n]+\s*/g, ' ').trim() || 'Vigil', SLACK_HEADER_CHARS);
  const text = message.text.trim();
  const footer = message.footer.trim();
  return {
    text: cut(text ? `${title}\n${text}` : title, SLACK_FALLBACK_CHARS),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title, emoji: true } },
      ...(text ? [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: cut(escapeSlackText(text), SLACK_SECTION_CHARS) } }] : []),
      ...(footer ? [{ type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: cut(escapeSlackText(footer), SLACK_CONTEXT_CHARS) }] }] : []),
    ],
  };
}

export const notifySlack = defineAction({
  id: 'notify.slack',
  displayName: 'Send a Slack message',
  description:
    'Posts a message (Block Kit header, section and context, with a plain-text fallback) to a Slack incoming webhook; webhook_url must be a ${{ secrets.NAME }}. ' +
    'title, text and footer are templates with defaults per trigger. Every attempt is in the delivery log; failures are retried with backoff (retry) and the delivery is dead after the last attempt.',
  config: slackConfig,
  secretFields: ['webhook_url'],
  defaultConfig: (trigger) => {
    const { title, text, footer } = defaultMessage(trigger);
    return { title, text, footer };
  },
  delivery: {
    policy: (config) => retryPolicyOf(config.retry),
    // The URL's path is the credential: only the origin is shown.
    target: (config) => `Slack webhook ${new URL(config.webhook_url).origin}`,
    timeoutMs: (config) => config.timeout_ms,
  },
  async execute(config, context) {
    const message = slackMessage({ title: config.title ?? '', text: config.text ?? '', footer: config.footer ?? '' });
    const headers = new Headers({ 'content-type': 'application/json; charset=utf-8' });
    const responseCode = await postForDelivery(config.webhook_url, JSON.stringify(message), headers, config.timeout_ms, context);
    return { output: { responseCode } };
  },
});
