import { parseArgs } from 'node:util';

export const BENCHMARKS = ['core', 'pipeline', 'malformed', 'latency', 'webhook', 'healthy', 'storm'] as const;
export type BenchName = (typeof BENCHMARKS)[number];

export interface BenchOptions {
  readonly only: readonly BenchName[];
  readonly scale: number;
  /** Offered rate of the latency benchmark, kills/s. */
  readonly rate: number;
  /** Duration of the latency benchmark, s (default 20 × scale). */
  readonly durationSeconds: number;
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  readonly help: boolean;
}

export const USAGE = `usage: pnpm bench [options]
  --only NAME        run only these benchmarks (repeat, or a comma list): ${BENCHMARKS.join(', ')}
  --scale FACTOR     multiply the counts and the latency run's length (e.g. 0.1 for a quick check; default 1)
  --rate N           offered rate of the latency benchmark, kills/s (default 1000)
  --duration S       length of the latency benchmark, s (default 20 × scale)
  --agent-log-level  the agents' logging.level (default info, as config/medic.yaml)
Needs Redis, Docker and the test image: bash scripts/services.sh`;

/** Parses the command line; throws an Error with a message for the user on a bad one. */
export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      only: { type: 'string', multiple: true },
      scale: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'agent-log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const only = (values.only ?? [...BENCHMARKS]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
  const unknown = only.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  const scale = positive('--scale', values.scale, 1);
  const logLevel = values['agent-log-level'] ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) throw new Error(`--agent-log-level must be error, warn, info or debug, got ${logLevel}`);
  return {
    // In the canonical order, once each.
    only: BENCHMARKS.filter((name) => only.includes(name)),
    scale,
    rate: positive('--rate', values.rate, 1000),
    durationSeconds: positive('--duration', values.duration, 20 * scale),
    logLevel: logLevel as BenchOptions['logLevel'],
    help: values.help ?? false,
  };
}

function positive(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${flag} must be a positive number, got ${raw}`);
  return value;
}
