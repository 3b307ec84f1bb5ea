import { describe, expect, it } from 'vitest';
import { customerName } from './names.js';

describe('customerName', () => {
  it.each([
    ['the name trait', { id: 'u:ada', userId: 'ada', traits: { name: ' Ada Lovelace ', email: 'ada@example.com' } }, 'Ada Lovelace'],
    ['first and last names', { id: 'u:grace', userId: 'grace', traits: { firstName: 'Grace', lastName: 'Hopper' } }, 'Grace Hopper'],
    ['a first name alone', { id: 'u:grace', userId: 'grace', traits: { firstName: 'Grace' } }, 'Grace'],
    ['the email without a name', { id: 'u:alan', userId: 'alan', traits: { name: '  ', email: 'alan@example.com' } }, 'alan@example.com'],
    ['the user id without traits', { id: 'u:12346', userId: '12346', traits: '{}' }, '12346'],
    ['a shortened visitor id', { id: 'v:3f9a2c1b-77d0-4e5a', userId: null, traits: '{}' }, 'Visitor 3f9a2c1b'],
    ['a short visitor id whole', { id: 'v:abc', userId: null, traits: '{}' }, 'Visitor abc'],
    ['the id when traits are not an object', { id: 'u:x', userId: null, traits: 'not json' }, 'u:x'],
  ])('reads %s', (_, profile, expected) => {
    expect(customerName(profile)).toBe(expected);
  });

  it('reads traits stored as JSON', () => {
    expect(customerName({ id: 'u:ada', userId: 'ada', traits: '{"name":"Ada Lovelace"}' })).toBe('Ada Lovelace');
  });

  it('ignores traits that are not text', () => {
    expect(customerName({ id: 'u:ada', userId: 'ada', traits: { name: 42, email: true } })).toBe('ada');
  });
});
