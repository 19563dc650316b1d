import type { Delivery } from '../ports';
import type { MedicCore } from './core';
import { decideKill, duplicate, readEntry, reject, storeAndFinish } from './delivery-steps';
import type { HandleOutcome } from './delivery-steps';

export type { MedicCore } from './core';
export type { HandleOutcome } from './delivery-steps';
export { executeResurrection } from './delivery-steps';
// The package entry exports this module; the batch form of the use case is exported with it.
export { handleBatch } from './handle-batch';
export type { HandleBatchOptions } from './handle-batch';

/**
 * Reads, decides, records and (live, approve_auto) executes one delivery, then acknowledges it (DESIGN §3–§6).
 * Errors of the store or the source propagate and leave the delivery unacknowledged, so it is retried later.
 */
export async function handleDelivery(core: MedicCore, delivery: Delivery): Promise<HandleOutcome> {
  const read = readEntry(core, delivery);
  if (!read.ok) return reject(core, delivery, read.error);
  const kill = await decideKill(core, delivery, read.value);
  return kill.kind === 'stored' ? duplicate(core, kill) : storeAndFinish(core, kill);
}
