import { describe, expect, it } from 'vitest';
import { batchEnvelopeSchema, siteKeySchema } from './batch.js';
import { toIssues, type Issue } from './issues.js';
import { limits } from './limits.js';

const pageView = { id: 'e1', visitorId: 'v1', sessionId: 's1', timestamp: 1_718_000_000_000, type: 'page_view' };
const envelope = { siteKey: 'shop_live_01', sentAt: 1_718_000_000_500, events: [pageView] };

/** Returns the issues of an envelope the schema rejects, or fails the test. */
function envelopeIssues(body: unknown): Issue[] {
  const result = batchEnvelopeSchema.safeParse(body);
  if (result.success) throw new Error(`expected the envelope to be rejected, but it parsed as ${JSON.stringify(result.data)}`);
  return toIssues(result.error);
}

function onlyIssue(body: unknown): Issue {
  const issues = envelopeIssues(body);
  expect(issues).toHaveLength(1);
  return issues[0]!;
}

describe('batchEnvelopeSchema', () => {
  it('accepts a batch of one event', () => {
    expect(batchEnvelopeSchema.parse(envelope)).toEqual(envelope);
  });

  it('accepts the maximum number of events', () => {
    const events = Array.from({ length: limits.maxEventsPerBatch }, () => pageView);
    expect(batchEnvelopeSchema.parse({ ...envelope, events }).events).toHaveLength(limits.maxEventsPerBatch);
  });

  it('leaves events unchecked', () => {
    const events = [{}, null, 'text', 42];
    expect(batchEnvelopeSchema.parse({ ...envelope, events }).events).toEqual(events);
  });

  it('drops unknown envelope fields', () => {
    expect(batchEnvelopeSchema.parse({ ...envelope, version: 2 })).not.toHaveProperty('version');
  });

  describe('events', () => {
    it('rejects an empty array', () => {
      const issue = onlyIssue({ ...envelope, events: [] });

      expect(issue.path).toBe('events');
      expect(issue.message).toBe('must contain at least one event');
    });

    it('rejects too many events', () => {
      const events = Array.from({ length: limits.maxEventsPerBatch + 1 }, () => pageView);
      const issue = onlyIssue({ ...envelope, events });

      expect(issue.path).toBe('events');
      expect(issue.message).toBe('must contain at most 500 events; split the batch');
    });

    it('rejects missing events', () => {
      const issue = onlyIssue({ siteKey: envelope.siteKey, sentAt: envelope.sentAt });

      expect(issue.path).toBe('events');
      expect(issue.message).toContain('expected array');
    });

    it('rejects a single event object', () => {
      const issue = onlyIssue({ ...envelope, events: pageView });

      expect(issue.path).toBe('events');
      expect(issue.message).toContain('expected array');
    });
  });

  describe('siteKey', () => {
    it.each([
      ['', 'Too small'],
      ['k'.repeat(65), 'Too big'],
      [42, 'expected string'],
      [undefined, 'expected string'],
    ])('rejects %j', (siteKey, message) => {
      const issue = onlyIssue({ ...envelope, siteKey });

      expect(issue.path).toBe('siteKey');
      expect(issue.message).toContain(message);
    });

    it('accepts 64 characters', () => {
      expect(siteKeySchema.parse('k'.repeat(64))).toBe('k'.repeat(64));
    });
  });

  describe('sentAt', () => {
    it.each([
      [0, 'Too small'],
      [-1, 'Too small'],
      [1.5, 'expected int'],
      ['1718000000500', 'expected number'],
      [undefined, 'expected number'],
    ])('rejects %j', (sentAt, message) => {
      const issue = onlyIssue({ ...envelope, sentAt });

      expect(issue.path).toBe('sentAt');
      expect(issue.message).toContain(message);
    });
  });

  it.each([[null], [[]], ['batch'], [42]])('rejects body %j', (body) => {
    const issue = onlyIssue(body);

    expect(issue.path).toBe('');
    expect(issue.message).toContain('expected object');
  });

  it('reports every invalid field', () => {
    expect(envelopeIssues({}).map((issue) => issue.path)).toEqual(['siteKey', 'sentAt', 'events']);
  });
});
