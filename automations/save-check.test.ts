import { describe, expect, it } from 'vitest';
import { checkAutomation } from './save-check.ts';

const withStep = (config: Record<string, unknown>) => ({
  id: 'page',
  name: 'page on-call',
  triggers: [{ id: 'opened', event: 'incident.created' }],
  actions: [{ action: 'http.request', config: { url: 'https://hooks.example/oncall', ...config } }],
});

const errorsOf = (config: Record<string, unknown>) => {
  const checked = checkAutomation(withStep(config));
  return checked.ok ? [] : checked.errors;
};

describe('checkAutomation: http.request', () => {
  it('accepts a signing secret given as a secret reference, and replacements of Vigil\'s own headers', () => {
    expect(errorsOf({ signing_secret: '${{ secrets.HOOK_SIGNING_KEY }}', headers: { 'Idempotency-Key': '{{ trigger.payload.incidentId }}', 'Content-Type': 'application/json' } })).toEqual([]);
  });

  it('refuses a signing secret written into the definition, or rendered from a template, without repeating it', () => {
    const literal = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const message = 'signing_secret must be exactly one secret reference (${{ secrets.NAME }}), never a literal or a template: the definition is stored and shown in full';
    expect(errorsOf({ signing_secret: literal })).toEqual([{ path: 'actions[0].config.signing_secret', message }]);
    expect(errorsOf({ signing_secret: '{{ variables.key }}' })).toEqual([{ path: 'actions[0].config.signing_secret', message }]);
    expect(errorsOf({ signing_secret: 'whsec_${{ secrets.KEY }}' })).toEqual([{ path: 'actions[0].config.signing_secret', message }]);
    expect(JSON.stringify(errorsOf({ signing_secret: literal }))).not.toContain(literal);
  });

  it('refuses the signature headers with a clear error, in any case', () => {
    expect(errorsOf({ headers: { 'Webhook-Signature': 'v1,abc', authorization: 'Bearer ${{ secrets.TOKEN }}' } })).toEqual([
      { path: 'actions[0].config.headers["Webhook-Signature"]', message: 'invalid key: header "Webhook-Signature" is set by Vigil when the request is signed (signing_secret) and cannot be configured' },
    ]);
  });

  it('refuses a header given twice in different case, and unknown keys', () => {
    expect(errorsOf({ headers: { 'X-Key': 'a', 'x-key': 'b' }, signing_secrets: '${{ secrets.K }}' }).map((error) => error.path)).toEqual(['actions[0].config.headers["x-key"]', 'actions[0].config']);
  });
});
