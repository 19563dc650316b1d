import type { OutcomeRecord } from '../model';
import type { Result } from '../result';
import { err, ok } from '../result';
import type { ApprovalRefusal } from './approve';
import { refuseVerdict } from './approve';
import type { MedicCore } from './core';

/** Records that an operator confirms Smith was right about a pending_review kill: a true-positive label; the container stays down. */
export async function rejectKill(core: MedicCore, killId: string, rejectedBy: string): Promise<Result<OutcomeRecord, ApprovalRefusal>> {
  const refusal = await refuseVerdict(core, killId, 'reject');
  if (refusal) return err(refusal);
  if (!(await core.repo.markRejected(killId, rejectedBy, core.clock.now().toISOString()))) {
    // Someone else decided it between the read and the write.
    return err((await refuseVerdict(core, killId, 'reject')) ?? { code: 'not_pending', message: `kill ${killId} is no longer pending review` });
  }
  core.onEvent({ type: 'rejected_by_operator', killId, rejectedBy });
  const rejected = await core.repo.get(killId);
  if (!rejected) return err({ code: 'not_found', message: `no decision for kill ${killId}` });
  return ok(rejected);
}
