import { describe, expect, it } from 'vitest';
import { toIssues, type Issue } from './issues.js';
import { limits } from './limits.js';
import { offerRequestSchema } from './offer.js';

const request = {
  siteKey: 'shop_live_01',
  visitorId: 'vis-7f3a',
  placement: 'cart:banner',
  context: { sessionId: 'ses_42', url: 'https://shop.example/cart', referrer: 'https://shop.example/' },
};

function onlyIssue(body: unknown): Issue {
  const result = offerRequestSchema.safeParse(body);
  if (result.success) throw new Error(`expected the request to be rejected, but it parsed as ${JSON.stringify(result.data)}`);
  const issues = toIssues(result.error);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

describe('offerRequestSchema', () => {
  it('accepts a full request', () => {
    expect(offerRequestSchema.parse(request)).toEqual(request);
  });

  it('accepts siteKey and visitorId alone', () => {
    expect(offerRequestSchema.parse({ siteKey: 'k', visitorId: 'v' })).toEqual({ siteKey: 'k', visitorId: 'v' });
  });

  it.each(['siteKey', 'visitorId'])('rejects a missing %s', (field) => {
    const body: Record<string, unknown> = { ...request };
    delete body[field];

    expect(onlyIssue(body).path).toBe(field);
  });

  it('rejects a visitorId with a slash', () => {
    const issue = onlyIssue({ ...request, visitorId: 'a/b' });

    expect(issue.path).toBe('visitorId');
    expect(issue.message).toBe('must contain only letters, digits, "-" and "_"');
  });

  it.each(['', 'cart banner', 'p'.repeat(65), 'cart/banner'])('rejects placement %j', (placement) => {
    const issue = onlyIssue({ ...request, placement });

    expect(issue.path).toBe('placement');
    expect(issue.message).toBe('must be 1 to 64 letters, digits, "_", ".", ":" or "-"');
  });

  it('accepts a 64-character placement', () => {
    expect(offerRequestSchema.parse({ ...request, placement: 'p'.repeat(64) }).placement).toBe('p'.repeat(64));
  });

  it('rejects an invalid context sessionId', () => {
    expect(onlyIssue({ ...request, context: { sessionId: 'a b' } }).path).toBe('context.sessionId');
  });

  it('rejects a context url over maximum length', () => {
    const url = 'u'.repeat(limits.maxUrlLength + 1);
    expect(onlyIssue({ ...request, context: { url } }).path).toBe('context.url');
  });
});
