import { MedicError } from '@medic/domain';

/**
 * The canonical ISO 8601 UTC form (Date#toISOString) of an instant. Every stored instant and every query bound goes
 * through it, so comparing the text in SQL (and through its indices) compares the instants.
 */
export function utc(value: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new MedicError('store_invalid_instant', `${field} is not an ISO 8601 instant: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

export function utcOrNull(value: string | null, field: string): string | null {
  return value === null ? null : utc(value, field);
}
