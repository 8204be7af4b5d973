import { describe, expect, it } from 'vitest';
import { nextTakeName, takeNameToRecord } from './take-name';

describe('take names', () => {
  it('increments the trailing number, keeping the rest of the name', () => {
    expect(nextTakeName('Scene 4 — take 3')).toBe('Scene 4 — take 4');
    expect(nextTakeName('Take 9')).toBe('Take 10');
    expect(nextTakeName('shot 009')).toBe('shot 010');
    expect(nextTakeName('Interview')).toBe('Interview 2');
    expect(nextTakeName('')).toBe('');
  });

  it('numbers a plain name: "Take" becomes Take 1, then Take 2', () => {
    expect(takeNameToRecord('Take', [])).toBe('Take 1');
    expect(takeNameToRecord('Take', ['Take 1'])).toBe('Take 2');
    expect(takeNameToRecord('', ['Take 1', 'Take 7', 'Other 9'])).toBe('Take 8');
    expect(takeNameToRecord('  Scene 4 — take 3 ', [])).toBe('Scene 4 — take 3');
    expect(takeNameToRecord('Take 12', [])).toBe('Take 12');
  });
});
