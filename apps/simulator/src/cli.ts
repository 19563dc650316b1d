import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { err, ok } from '@medic/domain';
import type { Result } from '@medic/domain';
import { DEFAULT_PARAMETERS } from './simulate';
import type { SimulationOptions } from './simulate';

/** The most seeds one --seeds run takes. */
export const MAX_SEEDS = 100;

export const USAGE = `usage: pnpm simulate [--seed N | --seeds A-B] [--days N] [--modules N] [--kills-per-day N] [--true-positive-rate R]
                     [--operator-delay-minutes N] [--manual-recovery-minutes N] [--quiet-compromise-rate R] [--rollback-rate R]
                     [--confidence-noise R] [--auto-approve on|off] [--max-score R] [--out FILE] [--svg FILE] [--db DIR]
defaults: --seed ${DEFAULT_PARAMETERS.seed} --days ${DEFAULT_PARAMETERS.days} --modules ${DEFAULT_PARAMETERS.modules} --kills-per-day ${DEFAULT_PARAMETERS.killsPerDay} \
--true-positive-rate ${DEFAULT_PARAMETERS.truePositiveRate} --operator-delay-minutes ${DEFAULT_PARAMETERS.operatorDelayMinutes} \
--manual-recovery-minutes ${DEFAULT_PARAMETERS.manualRecoveryMinutes} \
--quiet-compromise-rate ${DEFAULT_PARAMETERS.quietCompromiseRate} --rollback-rate ${DEFAULT_PARAMETERS.rollbackRate} --confidence-noise ${DEFAULT_PARAMETERS.confidenceNoise} \
--auto-approve on --max-score ${DEFAULT_PARAMETERS.maxScore} --out simulation.json
--seeds A-B (or A,B,C) runs every seed and prints the spread instead of the weekly tables (at most ${MAX_SEEDS} seeds).`;

/** What the command line asks for; paths are absolute. */
export interface CliRequest {
  readonly simulation: SimulationOptions;
  /** --seeds: run each of these seeds instead of one (--seed cannot be given with it); null for one run. */
  readonly seeds: readonly number[] | null;
  readonly out: string;
  readonly svg: string | null;
  readonly help: boolean;
}

/** Parses the command line; relative paths are resolved against `cwd`. An unknown flag or a bad value is an error naming it. */
export function parseCommandLine(argv: readonly string[], cwd: string): Result<CliRequest, string> {
  const text = { type: 'string' } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        seed: text,
        seeds: text,
        days: text,
        modules: text,
        'kills-per-day': text,
        'true-positive-rate': text,
        'operator-delay-minutes': text,
        'manual-recovery-minutes': text,
        'quiet-compromise-rate': text,
        'rollback-rate': text,
        'confidence-noise': text,
        'auto-approve': text,
        'max-score': text,
        out: text,
        svg: text,
        db: text,
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return err((error as Error).message);
  }
  const parsed = v.safeParse(FLAGS, values, { abortPipeEarly: true });
  if (!parsed.success) return err(parsed.issues.map((issue) => problemOf(issue, values)).join('; '));
  const flags = parsed.output;
  if (flags.seeds !== undefined && flags.seed !== undefined) return err('--seed and --seeds cannot be combined');
  const simulation: SimulationOptions = {
    seed: flags.seed,
    days: flags.days,
    modules: flags.modules,
    killsPerDay: flags['kills-per-day'],
    truePositiveRate: flags['true-positive-rate'],
    operatorDelayMinutes: flags['operator-delay-minutes'],
    manualRecoveryMinutes: flags['manual-recovery-minutes'],
    quietCompromiseRate: flags['quiet-compromise-rate'],
    rollbackRate: flags['rollback-rate'],
    confidenceNoise: flags['confidence-noise'],
    autoApprove: flags['auto-approve'],
    maxScore: flags['max-score'],
    ...(flags.db !== undefined ? { dbDir: resolve(cwd, flags.db) } : {}),
  };
  return ok({
    simulation,
    seeds: flags.seeds ?? null,
    out: resolve(cwd, flags.out ?? 'simulation.json'),
    svg: flags.svg !== undefined ? resolve(cwd, flags.svg) : null,
    help: flags.help === true,
  });
}

/** A flag's text as a plain finite number ("", " " and "abc" are refused). */
const decimal = v.pipe(
  v.string(),
  v.check((raw: string) => raw.trim() !== ''),
  v.transform(Number),
  v.finite(),
);
const integerFrom = (min: number, max: number) => v.message(v.pipe(decimal, v.integer(), v.minValue(min), v.maxValue(max)), `must be an integer from ${min} to ${max}`);
const unit = v.message(v.pipe(decimal, v.minValue(0), v.maxValue(1)), 'must be a number from 0 to 1');
const minutes = v.message(v.pipe(decimal, v.minValue(0)), 'must be a number of minutes, 0 or more');

/** The flags' values, checked in this order; each message completes "--flag …". */
const FLAGS = v.object({
  seed: v.optional(integerFrom(0, 0xffffffff)),
  days: v.optional(integerFrom(1, 3650)),
  modules: v.optional(integerFrom(1, 10_000)),
  'kills-per-day': v.optional(v.message(v.pipe(decimal, v.gtValue(0), v.maxValue(100_000)), 'must be a number above 0 and at most 100000')),
  'true-positive-rate': v.optional(unit),
  'operator-delay-minutes': v.optional(minutes),
  'manual-recovery-minutes': v.optional(minutes),
  'quiet-compromise-rate': v.optional(unit),
  'rollback-rate': v.optional(unit),
  'confidence-noise': v.optional(unit),
  'auto-approve': v.optional(v.message(v.pipe(v.picklist(['on', 'off']), v.transform((raw) => raw === 'on')), 'must be on or off')),
  'max-score': v.optional(unit),
  seeds: v.optional(
    v.message(
      v.pipe(
        v.string(),
        v.transform(seedList),
        v.minLength(1),
        v.maxLength(MAX_SEEDS),
        v.everyItem((n: number) => Number.isSafeInteger(n) && n <= 0xffffffff),
      ),
      `must be A-B or a comma-separated list of 1 to ${MAX_SEEDS} seeds from 0 to 4294967295`,
    ),
  ),
  out: v.optional(v.string()),
  svg: v.optional(v.string()),
  db: v.optional(v.string()),
  help: v.optional(v.boolean()),
});

/** "--flag must be … (got "raw")" for one issue of FLAGS. */
function problemOf(issue: v.BaseIssue<unknown>, values: Readonly<Record<string, unknown>>): string {
  const flag = String(issue.path?.[0]?.key ?? 'option');
  return `--${flag} ${issue.message} (got "${String(values[flag])}")`;
}

/** "A-B" (inclusive) or "A,B,C" as numbers, NaN for a part that is not digits; [] for a reversed or too long range. */
function seedList(raw: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(raw);
  return range ? spread(Number(range[1]), Number(range[2])) : raw.split(',').map((part) => (/^\d+$/.test(part) ? Number(part) : Number.NaN));
}

function spread(first: number, last: number): number[] {
  if (!(last >= first) || last - first >= MAX_SEEDS) return [];
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
