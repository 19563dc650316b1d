import { notificationOutboxContract } from '@medic/testkit';
import { freshStore } from './testing/temp-stores';

notificationOutboxContract('SqliteOutcomeRepo', async () => {
  const store = await freshStore();
  return { ...store, outbox: store.repo.outbox };
});
