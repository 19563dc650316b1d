import * as v from 'valibot';
import { MedicError } from '@medic/domain';

const TEXT = v.string();
const FINITE = v.pipe(v.number(), v.finite());
const FLAG = v.picklist([0, 1]);

/** Reads the columns of one stored row, checking each; a bad value throws MedicError "store_corrupt" naming the column. */
export class RowReader {
  constructor(
    private readonly row: Readonly<Record<string, unknown>>,
    /** Where the row lives, for the message, e.g. "outcomes row kill_id=k1". */
    private readonly where: string,
  ) {}

  text(column: string): string {
    return this.read(column, TEXT, 'is not text');
  }

  textOrNull(column: string): string | null {
    return this.row[column] === null ? null : this.text(column);
  }

  number(column: string): number {
    return this.read(column, FINITE, 'is not a finite number');
  }

  numberOrNull(column: string): number | null {
    return this.row[column] === null ? null : this.number(column);
  }

  /** A 0/1 integer column. */
  flag(column: string): boolean {
    return this.read(column, FLAG, 'is not 0 or 1') === 1;
  }

  oneOf<T extends string>(column: string, allowed: readonly T[]): T {
    const value = this.text(column);
    if (!(allowed as readonly string[]).includes(value)) throw this.corrupt(column, `holds unknown value ${JSON.stringify(value)}`);
    return value as T;
  }

  oneOfOrNull<T extends string>(column: string, allowed: readonly T[]): T | null {
    return this.row[column] === null ? null : this.oneOf(column, allowed);
  }

  /** A JSON text column whose parsed value must fit `shape`; the value is returned as parsed. */
  json<T>(column: string, shape: v.GenericSchema<unknown, T>): T {
    const text = this.text(column);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw this.corrupt(column, 'is not valid JSON');
    }
    const checked = v.safeParse(shape, value);
    if (!checked.success) throw this.corrupt(column, problemOf(checked.issues[0]));
    return value as T;
  }

  private read<T>(column: string, schema: v.GenericSchema<unknown, T>, problem: string): T {
    const checked = v.safeParse(schema, this.row[column]);
    if (!checked.success) throw this.corrupt(column, problem);
    return checked.output;
  }

  private corrupt(column: string, problem: string): MedicError {
    return new MedicError('store_corrupt', `Corrupt ${this.where}: column ${column} ${problem}`);
  }
}

/** What is wrong, completing "column X …": a nested field by its path ("[0].value", "context.riskScore"), else the shape's own message. */
function problemOf(issue: v.BaseIssue<unknown>): string {
  const path = (issue.path ?? []).map((item) => (typeof item.key === 'number' ? `[${item.key}]` : `.${String(item.key)}`)).join('');
  return path === '' ? issue.message : `has a missing or invalid ${path.replace(/^\./, '')}`;
}
