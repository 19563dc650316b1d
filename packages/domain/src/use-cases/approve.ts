import type { OutcomeRecord } from '../model';
import type { Result } from '../result';
import { err, ok } from '../result';
import type { MedicCore } from './core';
import { executeResurrection } from './handle-delivery';

/** Why an approval was refused (DESIGN §9: 404, 409, 409, 410). */
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
  const record = await core.repo.get(killId);
  if (!record) return err({ code: 'not_found', message: `no decision for kill ${killId}` });
  if (record.state !== 'decided' || record.originalDecision !== 'pending_review') {
    return err(notPending(record));
  }
  if (core.mode === 'observer') {
    return err({ code: 'observer_mode', message: 'Medic runs in observer mode and never resurrects; switch to live mode to approve' });
  }
  const now = core.clock.now();
  const ageMinutes = (now.getTime() - Date.parse(record.timestamp)) / 60_000;
  if (ageMinutes > core.approvalTtlMinutes) {
    return err({ code: 'expired', message: `kill ${killId} was decided ${Math.floor(ageMinutes)} minutes ago; approvals expire after ${core.approvalTtlMinutes} minutes` });
  }
  if (!(await core.repo.markApproved(killId, approvedBy, now.toISOString()))) {
    // Someone else approved it between the read and the write.
    const current = await core.repo.get(killId);
    return err(notPending(current ?? record));
  }
  core.onEvent({ type: 'approved', killId, approvedBy });
  const approved = await core.repo.get(killId);
  if (!approved) return err({ code: 'not_found', message: `no decision for kill ${killId}` });
  return ok({ record: approved, execution: executeResurrection(core, approved, { restartIfRunning: true }) });
}

function notPending(record: OutcomeRecord): ApprovalRefusal {
  return {
    code: 'not_pending',
    message: `kill ${record.killId} is not pending review (decision ${record.originalDecision}, state ${record.state})`,
  };
}
