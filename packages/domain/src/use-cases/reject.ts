import type { OutcomeRecord } from '../model';
import type { Result } from '../result';
import { err, ok } from '../result';
import type { ApprovalRefusal, VerdictDeps } from './approve';
import { refuseVerdict } from './approve';

/** Records that an operator confirms Smith was right about a pending_review kill: a true-positive label; the container stays down. */
export async function rejectKill(deps: VerdictDeps, killId: string, rejectedBy: string): Promise<Result<OutcomeRecord, ApprovalRefusal>> {
  const refusal = await refuseVerdict(deps, killId, 'reject');
  if (refusal) return err(refusal);
  if (!(await deps.repo.markRejected(killId, rejectedBy, deps.clock.now().toISOString()))) {
    // Someone else decided it between the read and the write.
    return err((await refuseVerdict(deps, killId, 'reject')) ?? { code: 'not_pending', message: `kill ${killId} is no longer pending review` });
  }
  deps.onEvent({ type: 'rejected_by_operator', killId, rejectedBy });
  const rejected = await deps.repo.get(killId);
  if (!rejected) return err({ code: 'not_found', message: `no decision for kill ${killId}` });
  return ok(rejected);
}
