import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webhookId, webhookKey, webhookSecretSchema, webhookSignature, webhookSignatureHeaders } from './webhook-signature.ts';

// The test vector of the reference JavaScript library (standard-webhooks, libraries/javascript, "sign function works").
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

const secretOf = (bytes: number): string => `whsec_${randomBytes(bytes).toString('base64')}`;

describe('webhookSignature', () => {
  it('matches the reference test vector', () => {
    expect(webhookSignature(webhookKey(VECTOR.secret)!, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('signs the body as UTF-8 bytes and changes with id, timestamp and body', () => {
    const key = webhookKey(VECTOR.secret)!;
    const base = webhookSignature(key, 'msg_a', 1, 'é');
    expect(webhookSignature(key, 'msg_a', 1, Buffer.from('é', 'utf8').toString('latin1'))).not.toBe(base);
    expect(new Set([base, webhookSignature(key, 'msg_b', 1, 'é'), webhookSignature(key, 'msg_a', 2, 'é'), webhookSignature(key, 'msg_a', 1, 'e')]).size).toBe(4);
  });
});

describe('webhookKey and webhookSecretSchema', () => {
  it('accepts whsec_ with standard base64 (padding optional) of 24 to 64 bytes', () => {
    expect(webhookKey(VECTOR.secret)).toHaveLength(24);
    for (const bytes of [24, 32, 47, 64]) expect(webhookKey(secretOf(bytes)), String(bytes)).toHaveLength(bytes);
    expect(webhookKey(secretOf(32).replace(/=+$/, ''))).toHaveLength(32);
    expect(webhookSecretSchema.safeParse(secretOf(32)).success).toBe(true);
  });

  it('refuses other prefixes, loose base64 and keys outside 24-64 bytes, without echoing the value', () => {
    const raw = randomBytes(32).toString('base64');
    const refused = [
      raw,
      `whsk_${raw}`,
      `whsec_${raw}=`,
      `whsec_${raw.slice(0, 41)}`,
      `whsec_${raw} `,
      `whsec_${raw.slice(0, 20)}.${raw.slice(21)}`,
      `whsec_${randomBytes(32).toString('base64url')}_-`,
      secretOf(23),
      secretOf(65),
      'whsec_',
    ];
    for (const secret of refused) {
      expect(webhookKey(secret), secret).toBeNull();
      const result = webhookSecretSchema.safeParse(secret);
      expect(result.success, secret).toBe(false);
      if (secret.length > 'whsec_'.length) expect(JSON.stringify(result.error?.issues)).not.toContain(secret.trim().slice(-12));
    }
  });
});

describe('webhookId', () => {
  it('is stable for an idempotency key, free of dots, and decodes back to the key', () => {
    const key = 'page-oncall:sys-api:r3:actions[0].choose[1].sequence[0]';
    const id = webhookId(key);
    expect(webhookId(key)).toBe(id);
    expect(id).toMatch(/^msg_[A-Za-z0-9_-]+$/);
    expect(Buffer.from(id.slice('msg_'.length), 'base64url').toString('utf8')).toBe(key);
    expect(webhookId(`${key}x`)).not.toBe(id);
  });
});

describe('webhookSignatureHeaders', () => {
  it('gives the three headers, the id from the idempotency key and the signature over id, timestamp and body', () => {
    const headers = webhookSignatureHeaders(VECTOR.secret, 'run:actions[0]', 1700000000, '{"a":1}');
    expect(Object.keys(headers)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
    expect(headers['webhook-id']).toBe(webhookId('run:actions[0]'));
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['webhook-signature']).toBe(webhookSignature(webhookKey(VECTOR.secret)!, headers['webhook-id']!, 1700000000, '{"a":1}'));
  });

  it('throws a TypeError without the secret in it for an invalid secret', () => {
    expect(() => webhookSignatureHeaders('whsec_c2hvcnQ=', 'k', 1, '')).toThrow(TypeError);
    expect(() => webhookSignatureHeaders('whsec_c2hvcnQ=', 'k', 1, '')).not.toThrow(/c2hvcnQ/);
  });
});
