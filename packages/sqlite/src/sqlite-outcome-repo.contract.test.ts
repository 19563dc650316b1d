import { outcomeRepoContract } from '@medic/domain/testing';
import { TempStores } from './testing/temp-stores';

outcomeRepoContract('SqliteOutcomeRepo', async () => {
  const stores = new TempStores();
  return { repo: await stores.open(), cleanup: () => stores.cleanup() };
});
