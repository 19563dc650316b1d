import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type Docker from 'dockerode';
import type Redis from 'ioredis';
import { REPO_ROOT } from './agent-process';
import type { BenchContext } from './context';
import { runCleanups } from './cleanup';
import { coreBench } from './core';
import { healthyBench } from './healthy';
import { latencyBench } from './latency';
import { malformedBench } from './malformed';
import { parseOptions, USAGE } from './options';
import type { BenchName, BenchOptions } from './options';
import { pipelineBench } from './pipeline';
import { machine, markdown } from './report';
import type { BenchRow } from './report';
import { connectDocker, connectRedis, deleteStreams, ServiceMissing, uniqueId } from '@medic/test-support';
import { stormBench } from './storm';
import { webhookBench } from './webhook';

const RUNNERS: Readonly<Record<BenchName, (ctx: BenchContext) => Promise<BenchRow>>> = {
  core: coreBench,
  pipeline: pipelineBench,
  malformed: malformedBench,
  latency: latencyBench,
  webhook: webhookBench,
  healthy: healthyBench,
  storm: stormBench,
};
const RESULTS_DIR = resolve(__dirname, '..', 'results');

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const command = ['pnpm bench', ...process.argv.slice(2)].join(' ');
  const started = performance.now();
  const loadAtStart = loadavg()[0] ?? 0;
  const needsRedis = options.only.some((name) => name !== 'core');
  const needsDocker = options.only.some((name) => name === 'healthy' || name === 'storm');
  let redis: Redis | null = null;
  let docker: Docker | null = null;
  const ctx = { streams: [] as string[] };
  try {
    if (needsRedis) redis = await connectRedis();
    if (needsDocker) docker = await connectDocker();
    if (needsRedis && !existsSync(join(REPO_ROOT, 'apps', 'agent', 'dist', 'main.js'))) throw new ServiceMissing('the agent is not built — run pnpm bench (it builds first) or pnpm build');
    const context: BenchContext = {
      redis: redis as Redis,
      docker,
      runId: uniqueId(),
      scale: options.scale,
      rate: options.rate,
      durationSeconds: options.durationSeconds,
      logLevel: options.logLevel,
      progress: (line) => console.error(`[bench] ${line}`),
      streams: ctx.streams,
    };
    const rows: BenchRow[] = [];
    for (const name of options.only) {
      context.progress(`${name}…`);
      rows.push(await RUNNERS[name](context));
    }
    const wallSeconds = (performance.now() - started) / 1000;
    const m = machine(loadAtStart, loadavg()[0] ?? 0);
    const table = markdown(rows, m, command, wallSeconds);
    console.log(table);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify({ command, options, machine: m, wallSeconds, rows }, null, 2)}\n`);
    console.error(`[bench] results written to ${file}`);
    return 0;
  } catch (error) {
    console.error(`bench: ${error instanceof ServiceMissing ? error.message : ((error as Error).stack ?? String(error))}`);
    return 1;
  } finally {
    if (redis) {
      await deleteStreams(redis, ...ctx.streams).catch(() => undefined);
      redis.disconnect();
    }
  }
}

process.once('SIGINT', () => {
  console.error('[bench] interrupted: stopping agents and removing containers');
  void runCleanups().finally(() => process.exit(130));
});

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
