import type { KillSource } from '@medic/domain';
import { killSourceContract } from '@medic/testkit';
import { connectRedis, deleteStreams, fieldsOf, publish, REDIS_URL, testStream } from '@medic/test-support';
import { createRedisKillSource } from './create-redis-kill-source';

killSourceContract('RedisKillSource', async () => {
  const redis = await connectRedis();
  const stream = testStream();
  const sources: KillSource[] = [];
  const open = (): KillSource => {
    const source = createRedisKillSource({ url: REDIS_URL, stream, group: 'medic', consumer: 'medic-a', blockMs: 200 });
    sources.push(source);
    return source;
  };
  return {
    source: open(),
    publish: (fields) => publish(redis, stream, fields),
    deadLetters: async () => (await redis.xrange(`${stream}.dead`, '-', '+')).map(([id, flat]) => ({ id, fields: fieldsOf(flat) })),
    reopen: async () => open(),
    cleanup: async () => {
      await Promise.all(sources.map((source) => source.close()));
      await deleteStreams(redis, stream);
      redis.disconnect();
    },
  };
});
