import type { KillSource } from '@medic/domain';
import { killSourceContract } from '@medic/domain/testing';
import { createRedisKillSource } from './create-redis-kill-source';
import { TEST_REDIS_URL, connectTestRedis, deleteStreams, testStream } from './test-support';
import { fieldsToRecord } from './stream-reply';

killSourceContract('RedisKillSource', async () => {
  const redis = await connectTestRedis();
  const stream = testStream();
  const sources: KillSource[] = [];
  const open = (): KillSource => {
    const source = createRedisKillSource({ url: TEST_REDIS_URL, stream, group: 'medic', consumer: 'medic-a', blockMs: 200 });
    sources.push(source);
    return source;
  };
  return {
    source: open(),
    publish: async (fields) => (await redis.xadd(stream, '*', ...Object.entries(fields).flat())) as string,
    deadLetters: async () => (await redis.xrange(`${stream}.dead`, '-', '+')).map(([id, flat]) => ({ id, fields: fieldsToRecord(flat) })),
    reopen: async () => open(),
    cleanup: async () => {
      await Promise.all(sources.map((source) => source.close()));
      await deleteStreams(redis, stream);
      redis.disconnect();
    },
  };
});
