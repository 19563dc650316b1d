import { outcomeRepoContract } from '@medic/domain/testing';
import { TempStores } from './testing/temp-stores';

outcomeRepoContract('SqliteOutcomeRepo', async () => {
  const stores = new TempStores();
  try {
    return { repo: await stores.open(), cleanup: () => stores.cleanup() };
  } catch (e) {
    await stores.cleanup();
    throw e;
  }
});
