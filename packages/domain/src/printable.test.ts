import fc from 'fast-check';
import { escapeNonPrintable, isPrintable } from './printable';

describe('isPrintable', () => {
  it('accepts letters, digits, punctuation, spaces and non-Latin scripts', () => {
    for (const text of ['smith', 'Smith v2 (prod) – ü', 'スミス', 'кот', '✓ ok', 'a b', '']) expect(isPrintable(text)).toBe(true);
  });

  it.each([
    ['C0', '\u0000\u0007\u0009\u000a\u000d\u001b'],
    ['DEL', '\u007f'],
    ['C1', '\u0080\u0085\u009b\u009f'],
    ['bidi overrides and isolates', '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c'],
    ['zero-width characters', '\u200b\u200c\u200d\u2060\ufeff'],
    ['line and paragraph separators', '\u2028\u2029'],
    ['a lone surrogate', '\ud800'],
  ])('refuses every %s', (_, chars) => {
    for (const char of chars) expect(isPrintable(`ok${char}ok`)).toBe(false);
  });
});

describe('escapeNonPrintable', () => {
  it('writes each non-printable character as a \\u escape and leaves the rest alone', () => {
    expect(escapeNonPrintable('a\u007fb\u0085c\u202ed\u001b[31me')).toBe('a\\u007fb\\u0085c\\u202ed\\u001b[31me');
    expect(escapeNonPrintable('plain – ü')).toBe('plain – ü');
    expect(escapeNonPrintable('\udb40\udc01')).toBe('\\udb40\\udc01'); // U+E0001 LANGUAGE TAG, a format character beyond U+FFFF
  });

  it('leaves nothing non-printable, and keeps serialized JSON valid with the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, text) => {
        const json = escapeNonPrintable(JSON.stringify({ value, text }));
        expect(isPrintable(json)).toBe(true);
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify({ value, text })));
      }),
      { seed: 13, numRuns: 500 },
    );
  });
});
