import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
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
  const problems: string[] = [];
  const number = (flag: string, check: (n: number) => boolean, rule: string): number | undefined => {
    const raw = values[flag];
    if (typeof raw !== 'string') return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || !check(n)) {
      problems.push(`--${flag} must be ${rule} (got "${raw}")`);
      return undefined;
    }
    return n;
  };
  const integer = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
  const unit = (n: number) => n >= 0 && n <= 1;
  const simulation: SimulationOptions = {
    seed: number('seed', integer(0, 0xffffffff), 'an integer from 0 to 4294967295'),
    days: number('days', integer(1, 3650), 'an integer from 1 to 3650'),
    modules: number('modules', integer(1, 10_000), 'an integer from 1 to 10000'),
    killsPerDay: number('kills-per-day', (n) => n > 0 && n <= 100_000, 'a number above 0 and at most 100000'),
    truePositiveRate: number('true-positive-rate', unit, 'a number from 0 to 1'),
    operatorDelayMinutes: number('operator-delay-minutes', (n) => n >= 0, 'a number of minutes, 0 or more'),
    manualRecoveryMinutes: number('manual-recovery-minutes', (n) => n >= 0, 'a number of minutes, 0 or more'),
    quietCompromiseRate: number('quiet-compromise-rate', unit, 'a number from 0 to 1'),
    rollbackRate: number('rollback-rate', unit, 'a number from 0 to 1'),
    confidenceNoise: number('confidence-noise', unit, 'a number from 0 to 1'),
    autoApprove: onOff(values['auto-approve'], problems),
    maxScore: number('max-score', unit, 'a number from 0 to 1'),
    ...(typeof values.db === 'string' ? { dbDir: resolve(cwd, values.db) } : {}),
  };
  const seeds = typeof values.seeds === 'string' ? seedList(values.seeds, problems) : null;
  if (seeds !== null && values.seed !== undefined) problems.push('--seed and --seeds cannot be combined');
  if (problems.length > 0) return err(problems.join('; '));
  return ok({
    simulation,
    seeds,
    out: resolve(cwd, typeof values.out === 'string' ? values.out : 'simulation.json'),
    svg: typeof values.svg === 'string' ? resolve(cwd, values.svg) : null,
    help: values.help === true,
  });
}

/** "A-B" (inclusive) or "A,B,C": seeds from 0 to 4294967295, at most MAX_SEEDS of them. */
function seedList(raw: string, problems: string[]): number[] | null {
  const range = /^(\d+)-(\d+)$/.exec(raw);
  const seeds = range ? spread(Number(range[1]), Number(range[2])) : raw.split(',').map((part) => (/^\d+$/.test(part) ? Number(part) : Number.NaN));
  if (seeds.length === 0 || seeds.length > MAX_SEEDS || seeds.some((n) => !Number.isSafeInteger(n) || n > 0xffffffff)) {
    problems.push(`--seeds must be A-B or a comma-separated list of 1 to ${MAX_SEEDS} seeds from 0 to 4294967295 (got "${raw}")`);
    return null;
  }
  return seeds;
}

function spread(first: number, last: number): number[] {
  if (!(last >= first) || last - first >= MAX_SEEDS) return [];
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function onOff(raw: string | boolean | undefined, problems: string[]): boolean | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  problems.push(`--auto-approve must be on or off (got "${String(raw)}")`);
  return undefined;
}
