import { cpus, release, totalmem, type as osType } from 'node:os';

/** One benchmark's line in the table, plus its raw numbers for the JSON file. */
export interface BenchRow {
  readonly name: string;
  readonly title: string;
  /** The headline figure. */
  readonly result: string;
  readonly median: string;
  readonly p99: string;
  readonly target: string;
  /** null: no target (reported only). */
  readonly holds: boolean | null;
  /** One line on how it was measured. */
  readonly method: string;
  readonly data: Record<string, unknown>;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly kernel: string;
  /** 1-minute load average when the run started and ended (other work on the machine skews the numbers). */
  readonly load: { readonly start: number; readonly end: number };
}

export function machine(loadAtStart: number, loadAtEnd: number): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${osType()} ${release()}`,
    load: { start: loadAtStart, end: loadAtEnd },
  };
}

export function markdown(rows: readonly BenchRow[], m: Machine, command: string, wallSeconds: number): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    '| benchmark | result | median | p99 | target | holds? |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${[r.title, r.result, r.median, r.p99, r.target, r.holds === null ? '—' : r.holds ? 'yes' : '**no**'].map(cell).join(' | ')} |`),
    '',
    `Machine: ${m.cpu} × ${m.cores}, ${m.memoryGiB} GiB RAM, Node ${m.node}, ${m.kernel}; load average ${m.load.start.toFixed(2)} at start, ${m.load.end.toFixed(2)} at end.`,
    `Command: \`${command}\` — ${wallSeconds.toFixed(0)} s wall time.`,
    '',
    'Method:',
    ...rows.map((r) => `- ${r.title}: ${r.method}`),
  ];
  return lines.join('\n');
}

export const fmtInt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
export const fmtMs = (ms: number): string => (Number.isFinite(ms) ? (ms < 10 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(1)} ms`) : 'n/a');
export const fmtS = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');
export const fmtMb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
