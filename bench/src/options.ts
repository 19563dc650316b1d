import { parseArgs } from 'node:util';
import * as v from 'valibot';

export const BENCHMARKS = ['core', 'pipeline', 'malformed', 'latency', 'webhook', 'healthy', 'storm'] as const;
export type BenchName = (typeof BENCHMARKS)[number];

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

export interface BenchOptions {
  readonly only: readonly BenchName[];
  readonly scale: number;
  /** Offered rate of the latency benchmark, kills/s. */
  readonly rate: number;
  /** Duration of the latency benchmark, s (default 20 × scale). */
  readonly durationSeconds: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
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
  const only = (values.only ?? [...BENCHMARKS]).flatMap((list) => list.split(',')).map((name) => name.trim()).filter((name) => name.length > 0);
  const unknown = only.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  const parsed = v.safeParse(FLAGS, values);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const flag = String(issue.path?.[0]?.key ?? 'option');
    throw new Error(`--${flag} ${issue.message}, got ${String((values as Record<string, unknown>)[flag])}`);
  }
  const flags = parsed.output;
  const scale = flags.scale ?? 1;
  return {
    // In the canonical order, once each.
    only: BENCHMARKS.filter((name) => only.includes(name)),
    scale,
    rate: flags.rate ?? 1000,
    durationSeconds: flags.duration ?? 20 * scale,
    logLevel: flags['agent-log-level'],
    help: flags.help,
  };
}

const positive = v.message(v.pipe(v.string(), v.transform(Number), v.finite(), v.gtValue(0)), 'must be a positive number');

/** The flags' values; each message completes "--flag …". */
const FLAGS = v.object({
  scale: v.optional(positive),
  'agent-log-level': v.optional(v.message(v.picklist(LOG_LEVELS), 'must be error, warn, info or debug'), 'info'),
  rate: v.optional(positive),
  duration: v.optional(positive),
  help: v.optional(v.boolean(), false),
});
