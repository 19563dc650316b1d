import { MedicError } from '@medic/domain';

/** Reads the columns of one stored row, checking each; a bad value throws MedicError "store_corrupt" naming the column. */
export class RowReader {
  constructor(
    private readonly row: Readonly<Record<string, unknown>>,
    /** Where the row lives, for the message, e.g. "outcomes row kill_id=k1". */
    private readonly where: string,
  ) {}

  text(column: string): string {
    const value = this.row[column];
    if (typeof value !== 'string') throw this.corrupt(column, 'is not text');
    return value;
  }

  textOrNull(column: string): string | null {
    return this.row[column] === null ? null : this.text(column);
  }

  number(column: string): number {
    const value = this.row[column];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.corrupt(column, 'is not a finite number');
    return value;
  }

  numberOrNull(column: string): number | null {
    return this.row[column] === null ? null : this.number(column);
  }

  /** A 0/1 integer column. */
  flag(column: string): boolean {
    const value = this.row[column];
    if (value !== 0 && value !== 1) throw this.corrupt(column, 'is not 0 or 1');
    return value === 1;
  }

  oneOf<T extends string>(column: string, allowed: readonly T[]): T {
    const value = this.text(column);
    if (!(allowed as readonly string[]).includes(value)) throw this.corrupt(column, `holds unknown value ${JSON.stringify(value)}`);
    return value as T;
  }

  oneOfOrNull<T extends string>(column: string, allowed: readonly T[]): T | null {
    return this.row[column] === null ? null : this.oneOf(column, allowed);
  }

  /** A JSON text column whose parsed value must pass `check`, which names what is wrong or returns null. */
  json<T>(column: string, check: (value: unknown) => string | null): T {
    const text = this.text(column);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw this.corrupt(column, 'is not valid JSON');
    }
    const problem = check(value);
    if (problem !== null) throw this.corrupt(column, problem);
    return value as T;
  }

  private corrupt(column: string, problem: string): MedicError {
    return new MedicError('store_corrupt', `Corrupt ${this.where}: column ${column} ${problem}`);
  }
}
