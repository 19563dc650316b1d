import { isApprovable } from '../model';
import type { OutcomeRecord } from '../model';
import type { Result } from '../result';
import { err, ok } from '../result';
import type { MedicCore } from './core';
import type { KillPipeline } from './kill-pipeline';

/** What an operator's verdict (approve or reject) works with. */
export type VerdictDeps = Pick<MedicCore, 'repo' | 'clock' | 'mode' | 'approvalTtlMinutes' | 'onEvent'>;

/** Why an operator's verdict (approve or reject) was refused: unknown (404), not pending or observer mode (409), expired (410). */
export interface ApprovalRefusal {
  readonly code: 'not_found' | 'not_pending' | 'observer_mode' | 'expired';
  readonly message: string;
}

/** The approved record (state executing) and the resurrection under way, which resolves to the finished record. */
export interface Approval {
  readonly record: OutcomeRecord;
  /** Resolves once the resurrection's outcome is stored; never rejects (it stays pending if the agent stops first). */
  readonly execution: Promise<OutcomeRecord>;
}

/**
 * Approves a pending_review kill, or a resurrection that failed because the engine stayed unreachable, and hands it to the
 * pipeline, which resurrects it once its module is free. Does not wait for the resurrection.
 */
export async function approveKill(deps: VerdictDeps, pipeline: Pick<KillPipeline, 'resurrect'>, killId: string, approvedBy: string): Promise<Result<Approval, ApprovalRefusal>> {
  const refusal = await refuseVerdict(deps, killId, 'approve');
  if (refusal) return err(refusal);
  if (!(await deps.repo.markApproved(killId, approvedBy, deps.clock.now().toISOString()))) {
    // Someone else decided it between the read and the write.
    return err((await refuseVerdict(deps, killId, 'approve')) ?? { code: 'not_pending', message: `kill ${killId} is no longer approvable` });
  }
  deps.onEvent({ type: 'approved', killId, approvedBy });
  const approved = await deps.repo.get(killId);
  if (!approved) return err({ code: 'not_found', message: `no decision for kill ${killId}` });
  return ok({ record: approved, execution: pipeline.resurrect(approved) });
}

/**
 * Why an operator may not approve or reject the kill now (unknown, not pending, observer mode, expired), or null when they
 * may. Both take a pending_review kill; an approval also takes a resurrection that failed with docker_unavailable, for as
 * long after it failed as a pending kill after its decision.
 */
export async function refuseVerdict(deps: Omit<VerdictDeps, 'onEvent'>, killId: string, verb: 'approve' | 'reject'): Promise<ApprovalRefusal | null> {
  const record = await deps.repo.get(killId);
  if (!record) return { code: 'not_found', message: `no decision for kill ${killId}` };
  const pending = record.state === 'decided' && record.originalDecision === 'pending_review';
  if (verb === 'approve' ? !isApprovable(record) : !pending) {
    const outcome = record.state === 'done' && record.outcomeType !== 'undetermined' ? `, outcome ${record.outcomeType}` : '';
    const hint = verb === 'approve' ? '; a failure for docker_unavailable can be approved too' : '';
    return {
      code: 'not_pending',
      message: `kill ${record.killId} is not pending review (decision ${record.originalDecision}, state ${record.state}${outcome}${verdictOf(record)})${hint}`,
    };
  }
  if (deps.mode === 'observer') {
    return { code: 'observer_mode', message: `Medic runs in observer mode, where operators neither approve nor reject; switch to live mode to ${verb}` };
  }
  const since = pending || record.completedAt === null ? record.timestamp : record.completedAt;
  const ageMinutes = (deps.clock.now().getTime() - Date.parse(since)) / 60_000;
  if (ageMinutes > deps.approvalTtlMinutes) {
    return { code: 'expired', message: `kill ${killId} became pending ${Math.floor(ageMinutes)} minutes ago; verdicts expire after ${deps.approvalTtlMinutes} minutes` };
  }
  return null;
}

function verdictOf(record: OutcomeRecord): string {
  if (record.rejectedBy !== null) return `, rejected by ${record.rejectedBy}`;
  if (record.approvedBy !== null) return `, approved by ${record.approvedBy}`;
  return '';
}
