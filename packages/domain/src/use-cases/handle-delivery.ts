import { MedicError } from '../errors';
import type { OutcomeRecord, Rejection } from '../model';
import type { Delivery } from '../ports';
import { KillPipeline } from './kill-pipeline';
import type { PipelineDeps } from './kill-pipeline';

/** What became of one delivery once everything it set off is over; `record` is the stored state after any resurrection. */
export type DeliveryResult =
  | { readonly kind: 'rejected'; readonly rejection: Rejection }
  | { readonly kind: 'duplicate'; readonly record: OutcomeRecord }
  | { readonly kind: 'decided'; readonly record: OutcomeRecord };

/**
 * One delivery as a batch of one through a KillPipeline of its own, waiting for everything it sets off (a resurrection,
 * engine retries included). For programs that handle kills one at a time; the agent feeds a long-lived pipeline in batches.
 * Errors of the store or the source propagate and leave the delivery unacknowledged, so it is retried later.
 */
export async function handleDelivery(deps: PipelineDeps, delivery: Delivery): Promise<DeliveryResult> {
  const pipeline = new KillPipeline(deps);
  const [status] = await pipeline.handle([delivery]);
  await pipeline.settled();
  if (!status || status.kind === 'in_hand') throw new MedicError('delivery_not_handled', `delivery ${delivery.id} was not handled`);
  if (status.kind === 'rejected') return { kind: 'rejected', rejection: status.rejection };
  const record = await deps.repo.get(status.killId);
  if (!record) throw new MedicError('record_missing', `kill ${status.killId} was handled but its record cannot be read`);
  return { kind: status.kind === 'duplicate' ? 'duplicate' : 'decided', record };
}
