// RedisKillSource through an authenticated, encrypted Redis: a private redis-server with TLS only (certificates from a
// throw-away CA made with openssl here) and exactly the ACL users the README's Security section documents.
import { readFile } from 'node:fs/promises';
import type Redis from 'ioredis';
import { makeTestCertificates, startReadmeAclRedis } from '@medic/test-support';
import type { ReadmeAclRedis, TestCertificates } from '@medic/test-support';
import { createRedisKillSource } from './create-redis-kill-source';
import type { RedisKillSourceConfig } from './create-redis-kill-source';
import type { RedisKillSource } from './redis-kill-source';
import { fieldsToRecord } from './stream-reply';

const STREAM = 'smith.events.kill_notifications';

let tls: ReadmeAclRedis;
let rogue: TestCertificates;
let admin: Redis;
let smith: Redis;
const opened: RedisKillSource[] = [];

beforeAll(async () => {
  tls = await startReadmeAclRedis('redis-tls');
  rogue = await makeTestCertificates(tls.dir, 'rogue');
  expect(tls.aclLines[0]).toMatch(new RegExp(`^user medic on >${tls.passwords.medic} .*\\+xreadgroup`));
  admin = tls.client('admin');
  smith = tls.client('smith');
}, 60_000);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((source) => source.close()));
  await admin?.del(STREAM, `${STREAM}.dead`);
});

afterAll(async () => {
  admin?.disconnect();
  smith?.disconnect();
  await tls?.stop();
});

function open(overrides: Partial<RedisKillSourceConfig> = {}): RedisKillSource {
  const source = createRedisKillSource({
    url: tls.server.url('medic', tls.passwords.medic),
    tls: { ca: tls.ca },
    stream: STREAM,
    group: 'medic-agent',
    consumer: 'medic-tls',
    blockMs: 100,
    unavailableWaitMs: 300,
    openWaitMs: 5_000,
    ...overrides,
  });
  opened.push(source);
  return source;
}

describe('RedisKillSource over TLS with the README ACL', () => {
  it('consumes, acknowledges and dead-letters, and Smith can only add kill reports', async () => {
    const source = open();
    await source.open();
    const good = (await smith.xadd(STREAM, '*', 'payload', '{"kill_id":"tls-1"}')) as string;
    const bad = (await smith.xadd(STREAM, '*', 'payload', 'not json')) as string;
    const got: string[] = [];
    for (let i = 0; i < 20 && got.length < 2; i++) got.push(...(await source.receive(10)).map((d) => d.id));
    expect(got).toEqual([good, bad]);
    // As the pipeline acknowledges a batch: the dead letter's XADD and one XACK of both, in one MULTI.
    await source.ack([good], [{ delivery: { id: bad, fields: { payload: 'not json' } }, reason: 'payload: must be valid JSON' }]);

    expect(await admin.xpending(STREAM, 'medic-agent')).toEqual([0, null, null, null]);
    const dead = (await admin.xrange(`${STREAM}.dead`, '-', '+')).map(([, flat]) => fieldsToRecord(flat));
    expect(dead).toEqual([expect.objectContaining({ payload: 'not json', reason: 'payload: must be valid JSON', original_id: bad })]);
    await expect(source.health()).resolves.toEqual({ status: 'up' });

    await expect(smith.xadd(`${STREAM}.dead`, '*', 'forged', 'x')).rejects.toThrow(/NOPERM/);
    await expect(smith.xrange(STREAM, '-', '+')).rejects.toThrow(/NOPERM/);
  });

  it("cannot write kill reports with Medic's own credentials", async () => {
    const medic = tls.client('medic');
    try {
      await expect(medic.xadd(STREAM, '*', 'payload', '{}')).rejects.toThrow(/NOPERM/);
      await expect(medic.del(STREAM)).rejects.toThrow(/NOPERM/);
    } finally {
      medic.disconnect();
    }
  });

  it('refuses to open with a wrong password, naming Redis and hiding the password', async () => {
    const source = open({ url: tls.server.url('medic', 'not-the-password') });
    const failure = source.open();
    await expect(failure).rejects.toMatchObject({ code: 'redis_auth_failed', message: expect.stringMatching(/^Redis at rediss:\/\/medic:\*\*\*@127\.0\.0\.1:\d+ refused Medic's credentials \(WRONGPASS/) });
    await expect(failure).rejects.toThrow(expect.objectContaining({ message: expect.not.stringContaining('not-the-password') }));
  });

  it('refuses to open when the server certificate is not signed by a trusted CA', async () => {
    for (const trust of [{}, { ca: await readFile(rogue.caCert) }]) {
      const source = open({ tls: trust });
      await expect(source.open()).rejects.toMatchObject({
        code: 'redis_tls_failed',
        message: expect.stringMatching(/^Redis at rediss:\/\/.* presented a TLS certificate Medic does not trust \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/),
      });
    }
  });

  it('refuses to open as a user without the permissions Medic needs, naming the command', async () => {
    const source = open({ url: tls.server.url('smith', tls.passwords.smith) });
    await expect(source.open()).rejects.toMatchObject({ code: 'redis_permission_denied', message: expect.stringMatching(/^Redis at .* denied a command Medic needs \(NOPERM/) });
  });
});
