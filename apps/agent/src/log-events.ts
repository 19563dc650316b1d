import { round } from '@medic/domain';
import type { DomainEvent, EventSink } from '@medic/domain';
import type { Logger } from './logger';

/** Turns the core's events into log lines; every line about a kill carries its kill_id. */
export function logEvents(logger: Logger): EventSink {
  return (event: DomainEvent) => {
    switch (event.type) {
      case 'rejected':
        logger.warn(`kill report rejected and dead-lettered: ${event.rejection.message}`, {
          kill_id: event.killId ?? undefined,
          delivery_id: event.deliveryId,
          field: event.rejection.field,
          rule: event.rejection.rule,
        });
        return;
      case 'duplicate':
        logger.info('duplicate kill acknowledged without a second decision', { kill_id: event.killId, state: event.state });
        return;
      case 're_killed':
        logger.warn(`module killed again soon after Medic resurrected it; kill ${event.previousKillId} labelled re_killed`, {
          kill_id: event.killId,
          previous_kill_id: event.previousKillId,
        });
        return;
      case 'threat_intel':
        if (event.lookup.status === 'unavailable') {
          logger.warn(`threat intel unavailable: ${event.lookup.reason}`, { kill_id: event.killId });
        } else if (event.lookup.status === 'answered') {
          logger.debug('threat intel answered', { kill_id: event.killId, risk: event.lookup.context.riskScore, alerts: event.lookup.context.alertCount });
        }
        return;
      case 'decided': {
        const d = event.decision;
        logger.info(`decision ${d.verdict}: ${d.reasoning[0] ?? ''}`, {
          kill_id: event.killId,
          module: event.module,
          outcome: d.verdict,
          score: round(d.riskScore, 3),
          // Not "level": winston owns that key.
          risk_level: d.riskLevel,
          confidence: round(d.confidence, 3),
          guard: d.guard ?? undefined,
          executing: event.executing,
        });
        return;
      }
      case 'waiting':
        logger.debug('waiting for the resurrection in flight for its module; decided once it is over', { kill_id: event.killId, module: event.module });
        return;
      case 'resurrecting':
        logger.info(event.resumed ? 're-checking an interrupted resurrection' : 'resurrecting', { kill_id: event.killId, module: event.module });
        return;
      case 'resurrected': {
        const r = event.result;
        const meta = {
          kill_id: event.killId,
          module: event.module,
          outcome: r.outcome,
          action: r.action,
          health: r.healthStatus ?? undefined,
          time_to_healthy: r.timeToHealthy ?? undefined,
          container_id: r.containerId?.slice(0, 12),
          error: r.error ?? undefined,
          verification: r.verification,
          labels: r.labels && r.labels.applied.length > 0 ? r.labels.applied.join('; ') : undefined,
        };
        if (r.outcome === 'success') logger.info('resurrection succeeded', meta);
        else if (r.outcome === 'not_killed' || r.outcome === 'already_running') logger.warn(`nothing restarted: ${r.outcome}`, meta);
        else logger.warn(`resurrection ${r.outcome}: ${r.message ?? r.error ?? ''}`, meta);
        return;
      }
      case 'label_ignored':
        logger.warn(event.warning, { kill_id: event.killId, module: event.module });
        return;
      case 'redecided':
        logger.warn(`decision changed before resurrecting, now ${event.decision.verdict}: ${event.because}`, {
          kill_id: event.killId,
          module: event.module,
          outcome: event.decision.verdict,
          score: round(event.decision.riskScore, 3),
          risk_level: event.decision.riskLevel,
        });
        return;
      case 'resurrection_retry':
        logger.warn(`container engine unreachable, retrying in ${event.delayMs} ms: ${event.reason}`, {
          kill_id: event.killId,
          module: event.module,
          attempt: event.attempt,
        });
        return;
      case 'abandoned':
        logger.warn('resurrection left unfinished at shutdown; it stays executing and is re-checked at the next start', { kill_id: event.killId, module: event.module });
        return;
      case 'background_error':
        logger.error(`${BACKGROUND_STAGE[event.stage]} failed${event.retrying ? ', retrying' : ''}: ${event.message}`, { kill_id: event.killId });
        return;
      case 'approved':
        logger.info('manual approval accepted', { kill_id: event.killId, approved_by: event.approvedBy });
        return;
      case 'rejected_by_operator':
        logger.info('operator confirmed the kill; the container stays down', { kill_id: event.killId, rejected_by: event.rejectedBy });
        return;
      case 'calibrated': {
        const c = event.calibration;
        logger.info(`calibration ${c.direction}: ${c.reason}`, { previous: c.previousMaxScore, next: c.nextMaxScore, samples: c.samples });
        return;
      }
      case 'signals_learned': {
        const m = event.model;
        if (!m) {
          logger.info(`no kills since ${event.since} to learn the signals from; the configured weighted mean decides`);
          return;
        }
        logger.info(`learnt the signals from ${m.kills} kill(s) since ${event.since}`, {
          false_positives: m.labels.falsePositives,
          true_positives: m.labels.truePositives,
          quiet_share: round(m.quietShare, 4),
          module_prior_labels: round(m.modulePriorLabels, 3),
        });
        return;
      }
    }
  };
}

const BACKGROUND_STAGE = {
  decide: 'deciding kills that waited for their module',
  complete: "storing a resurrection's outcome",
  ack: "acknowledging a resurrection's deliveries (a redelivery is acknowledged as a duplicate)",
} as const;
