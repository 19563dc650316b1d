import { notificationOutboxContract } from '@medic/domain/testing';
import { TempStores } from './testing/temp-stores';

notificationOutboxContract('SqliteOutcomeRepo', async () => {
  const stores = new TempStores();
  try {
    const repo = await stores.open();
    return { repo, outbox: repo.outbox, cleanup: () => stores.cleanup() };
  } catch (e) {
    await stores.cleanup();
    throw e;
  }
});
