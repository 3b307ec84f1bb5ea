import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toIssues } from './issues.js';

const schema = z.object({
  name: z.string().min(1, 'must not be empty'),
  items: z.array(z.object({ price: z.number({ error: 'must be a number' }) })),
});

function errorOf(value: unknown): z.ZodError {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected the value to be rejected');
  return result.error;
}

describe('toIssues', () => {
  it('joins nested paths with dots', () => {
    expect(toIssues(errorOf({ name: 'a', items: [{ price: 1 }, { price: 'x' }] }))).toEqual([
      { path: 'items.1.price', message: 'must be a number' },
    ]);
  });

  it('keeps every issue in order', () => {
    const issues = toIssues(errorOf({ name: '', items: [{ price: null }] }));
    expect(issues).toEqual([
      { path: 'name', message: 'must not be empty' },
      { path: 'items.0.price', message: 'must be a number' },
    ]);
  });

  it('puts the prefix before every path', () => {
    const issues = toIssues(errorOf({ name: '', items: [{ price: null }] }), ['events', 3]);
    expect(issues.map((issue) => issue.path)).toEqual(['events.3.name', 'events.3.items.0.price']);
  });

  it('uses an empty path for the root', () => {
    expect(toIssues(errorOf('text'))[0]?.path).toBe('');
  });

  it('uses the prefix alone for the root', () => {
    expect(toIssues(errorOf(null), ['events', 0])[0]?.path).toBe('events.0');
  });
});
