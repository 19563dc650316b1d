import { InMemoryOutcomeRepo } from './in-memory-outcome-repo';
import { sampleRecord } from './fixtures';

describe('InMemoryOutcomeRepo', () => {
  it('hands out copies, so a caller cannot change what is stored', async () => {
    const repo = new InMemoryOutcomeRepo();
    const record = sampleRecord();
    await repo.insert(record);
    const got = await repo.get(record.killId);
    (got?.reasoning as string[]).push('tampered');
    expect(await repo.get(record.killId)).toEqual(record);
  });

  it('rejects every call while down', async () => {
    const repo = new InMemoryOutcomeRepo();
    repo.down = true;
    await expect(repo.get('kill-1')).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(repo.health()).resolves.toMatchObject({ status: 'down' });
  });
});
