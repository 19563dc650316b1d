import type { OutcomeRecord } from '../model';
import type { Delivery } from '../ports';
import type { MedicCore } from './core';
import { announceDecided, decideKill, duplicate, needsRecheck, readEntry, reject, storeAndFinish, storedMeanwhile } from './delivery-steps';
import type { HandleOutcome, NewKill } from './delivery-steps';

export interface HandleBatchOptions {
  /** Asked before each delivery; true ends the batch there (what was decided is stored and acknowledged, the rest stays pending). */
  readonly stopRequested?: () => boolean;
}

/** A decided kill waiting for the group's commit, with the later deliveries of the same kill in this batch. */
interface Waiting {
  readonly kill: NewKill;
  readonly index: number;
  readonly repeats: Array<{ readonly delivery: Delivery; readonly index: number }>;
}

/**
 * handleDelivery for a batch, with group commit (DESIGN §13): the outcomes, records and acknowledgements are those of
 * handling the deliveries one by one, but kills that are decided and not executed are stored in one insertMany
 * transaction and then acknowledged in one call. Nothing is acknowledged before it is durable. A kill to execute (or a
 * stored one to re-check) first commits the group, then is handled on its own, so later kills see its record and a
 * resurrection never holds back the kills decided before it. Rejections and re-kill labels are written at once.
 * Returns one outcome per handled delivery, in order. An error propagates and leaves the group unacknowledged.
 */
export async function handleBatch(core: MedicCore, deliveries: readonly Delivery[], options: HandleBatchOptions = {}): Promise<HandleOutcome[]> {
  const outcomes: Array<HandleOutcome | undefined> = [];
  const waiting = new Map<string, Waiting>();
  /** Deliveries of kills already stored, acknowledged with the group. */
  const storedAcks: string[] = [];
  const commit = () => commitGroup(core, waiting, storedAcks, outcomes);

  for (const [index, delivery] of deliveries.entries()) {
    if (options.stopRequested?.()) break;
    const read = readEntry(core, delivery);
    if (!read.ok) {
      outcomes[index] = await reject(core, delivery, read.error);
      continue;
    }
    const earlier = waiting.get(read.value.killId);
    if (earlier) {
      earlier.repeats.push({ delivery, index });
      continue;
    }
    const kill = await decideKill(core, delivery, read.value);
    if (kill.kind === 'stored' && needsRecheck(core, kill)) {
      await commit();
      outcomes[index] = await duplicate(core, kill);
    } else if (kill.kind === 'stored') {
      core.onEvent({ type: 'duplicate', killId: kill.existing.killId, state: kill.existing.state });
      outcomes[index] = { kind: 'duplicate', record: kill.existing };
      storedAcks.push(delivery.id);
    } else if (kill.executing) {
      await commit();
      outcomes[index] = await storeAndFinish(core, kill);
    } else {
      waiting.set(kill.record.killId, { kill, index, repeats: [] });
    }
  }
  await commit();
  return outcomes.map((outcome, index) => {
    if (!outcome) throw new Error(`delivery ${index} of the batch was left without an outcome`);
    return outcome;
  });
}

/** Stores the waiting kills in one transaction, fills in their outcomes (and their repeats'), then acknowledges them all at once. */
async function commitGroup(core: MedicCore, waiting: Map<string, Waiting>, storedAcks: string[], outcomes: Array<HandleOutcome | undefined>): Promise<void> {
  const group = [...waiting.values()];
  const acks = storedAcks.splice(0);
  waiting.clear();
  const results = group.length === 0 ? [] : await core.repo.insertMany(group.map((w) => w.kill.record));
  for (const [i, { kill, index, repeats }] of group.entries()) {
    let record: OutcomeRecord;
    if (results[i] === 'inserted') {
      announceDecided(core, kill);
      record = kill.record;
      outcomes[index] = { kind: 'decided', record };
    } else {
      record = await storedMeanwhile(core, kill.record.killId);
      outcomes[index] = { kind: 'duplicate', record };
    }
    for (const repeat of repeats) {
      core.onEvent({ type: 'duplicate', killId: record.killId, state: record.state });
      outcomes[repeat.index] = { kind: 'duplicate', record };
    }
    acks.push(kill.delivery.id, ...repeats.map((r) => r.delivery.id));
  }
  if (acks.length > 0) await core.source.ack(acks);
}
