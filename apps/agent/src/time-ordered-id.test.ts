import { timeOrderedId } from './time-ordered-id';

describe('timeOrderedId', () => {
  it('is a version 7 UUID carrying its millisecond in front', () => {
    const id = timeOrderedId(Date.parse('2025-03-01T12:00:00.000Z'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(Date.parse('2025-03-01T12:00:00.000Z'));
  });

  it('sorts later ids after earlier ones, and never repeats', () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => timeOrderedId(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 10_000 }, () => timeOrderedId(1_700_000_000_000))).size).toBe(10_000);
  });
});
