import { pipelineBench } from './pipeline';
import { connectRedis } from './services';
import { randomUUID } from 'node:crypto';
import { dropStreams } from './streams';

async function main() {
  const redis = await connectRedis();
  const ctx = { redis, docker: null, runId: randomUUID().slice(0, 8), scale: Number(process.env.SCALE ?? 1), rate: 500, durationSeconds: 20, logLevel: (process.env.LOGLEVEL ?? 'info') as 'info', progress: (l: string) => console.error(l), streams: [] as string[] };
  try {
    const row = await pipelineBench(ctx);
    console.log(JSON.stringify(row, null, 1));
  } finally {
    await dropStreams(redis, ctx.streams);
    redis.disconnect();
  }
}
void main();
