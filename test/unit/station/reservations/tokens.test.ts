import { describe, expect, it } from 'vitest';
import { sameToken, tokenKey, verdictOf } from '../../../../src/station/reservations/tokens.js';

const card = (idToken: string): { idToken: string; type: 'ISO14443' } => ({ idToken, type: 'ISO14443' });

describe('reservation tokens', () => {
  it('are the same when type and value are, the value ignoring case', () => {
    expect(sameToken(card('ab12'), card('AB12'))).toBe(true);
    expect(sameToken(card('AB12'), { idToken: 'AB12', type: 'Central' })).toBe(false);
    expect(sameToken(card('AB12'), undefined)).toBe(false);
    expect(tokenKey(card('ab12'))).toBe(tokenKey(card('AB12')));
  });

  it('let the reserved token start, leave another to its group, and refuse it when there is no group', () => {
    expect(verdictOf({ idToken: card('R1') }, card('r1'))).toBe('own');
    expect(verdictOf({ idToken: card('R1') }, card('X9'))).toBe('other');
    expect(verdictOf({ idToken: card('R1'), groupIdToken: { idToken: 'G', type: 'Central' } }, card('X9'))).toBe('group');
  });
});
