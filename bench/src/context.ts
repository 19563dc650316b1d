import type Docker from 'dockerode';
import type Redis from 'ioredis';

/** What every benchmark gets from main: the services, the run id and the options. */
export interface BenchContext {
  readonly redis: Redis;
  /** Present only when a Docker benchmark was selected. */
  readonly docker: Docker | null;
  /** Unique per run; part of every stream and container name. */
  readonly runId: string;
  /** Multiplies the counts (0.1 for a quick check). */
  readonly scale: number;
  /** Offered rate of the latency benchmark, kills/s. */
  readonly rate: number;
  /** Duration of the latency benchmark, s. */
  readonly durationSeconds: number;
  /** Agent log level during the runs. */
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Progress lines (stderr), so stdout carries only the table. */
  readonly progress: (line: string) => void;
  /** Streams to delete at the end. */
  readonly streams: string[];
}

/** `n` scaled, at least `min`. */
export const scaled = (ctx: BenchContext, n: number, min = 1): number => Math.max(min, Math.round(n * ctx.scale));
