import type { OutcomeRecord } from '../model';
import type { Result } from '../result';
import { err, ok } from '../result';
import type { MedicCore } from './core';
import { executeResurrection } from './handle-delivery';

/** Why an operator's verdict (approve or reject) was refused: unknown (404), not pending or observer mode (409), expired (410). */
export interface ApprovalRefusal {
  readonly code: 'not_found' | 'not_pending' | 'observer_mode' | 'expired';
  readonly message: string;
}

/** The approved record (state executing) and the resurrection under way, which resolves to the finished record. */
export interface Approval {
  readonly record: OutcomeRecord;
  /** Rejects only when the store fails; the caller must handle it (it is not awaited here). */
  readonly execution: Promise<OutcomeRecord>;
}

/** Approves a pending_review kill and starts its resurrection without waiting for it (DESIGN §9). */
export async function approveKill(core: MedicCore, killId: string, approvedBy: string): Promise<Result<Approval, ApprovalRefusal>> {
  const refusal = await refuseVerdict(core, killId, 'approve');
  if (refusal) return err(refusal);
  if (!(await core.repo.markApproved(killId, approvedBy, core.clock.now().toISOString()))) {
    // Someone else decided it between the read and the write.
    return err((await refuseVerdict(core, killId, 'approve')) ?? { code: 'not_pending', message: `kill ${killId} is no longer pending review` });
  }
  core.onEvent({ type: 'approved', killId, approvedBy });
  const approved = await core.repo.get(killId);
  if (!approved) return err({ code: 'not_found', message: `no decision for kill ${killId}` });
  return ok({ record: approved, execution: executeResurrection(core, approved, { restartIfRunning: true }) });
}

/** Why an operator may not approve or reject the kill now (unknown, not pending, observer mode, expired), or null when they may. */
export async function refuseVerdict(core: MedicCore, killId: string, verb: 'approve' | 'reject'): Promise<ApprovalRefusal | null> {
  const record = await core.repo.get(killId);
  if (!record) return { code: 'not_found', message: `no decision for kill ${killId}` };
  if (record.state !== 'decided' || record.originalDecision !== 'pending_review') {
    return {
      code: 'not_pending',
      message: `kill ${record.killId} is not pending review (decision ${record.originalDecision}, state ${record.state}${verdictOf(record)})`,
    };
  }
  if (core.mode === 'observer') {
    return { code: 'observer_mode', message: `Medic runs in observer mode, where operators neither approve nor reject; switch to live mode to ${verb}` };
  }
  const ageMinutes = (core.clock.now().getTime() - Date.parse(record.timestamp)) / 60_000;
  if (ageMinutes > core.approvalTtlMinutes) {
    return { code: 'expired', message: `kill ${killId} was decided ${Math.floor(ageMinutes)} minutes ago; verdicts expire after ${core.approvalTtlMinutes} minutes` };
  }
  return null;
}

function verdictOf(record: OutcomeRecord): string {
  if (record.rejectedBy !== null) return `, rejected by ${record.rejectedBy}`;
  if (record.approvedBy !== null) return `, approved by ${record.approvedBy}`;
  return '';
}
