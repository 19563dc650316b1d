import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Context, MiddlewareHandler } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CALIBRATION_FIELDS, escapeNonPrintable, snakeCased } from '@medic/domain';
import type { ApprovalRefusal, AutoApproveCeiling, Calibration, Mode, OutcomeRecord, OutcomeRepo, Result } from '@medic/domain';
import type { HealthReport } from './dependency-health';
import { toApiRecord } from './api-records';
import type { NotificationStats } from './webhook-notifier';

const KILL_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const MAX_LIMIT = 200;


/** What the API needs from the running agent. */
export interface ApiDeps {
  readonly repo: OutcomeRepo;
  readonly mode: Mode;
  readonly version: string;
  /** API token for POST /approve and /reject; undefined disables both (403). */
  readonly token: string | undefined;
  readonly startedAt: number;
  readonly now: () => number;
  readonly health: () => Promise<HealthReport>;
  readonly ceiling: AutoApproveCeiling;
  /** The webhook notifier's counts; null when no webhook is configured. */
  readonly notifications: () => Promise<NotificationStats | null>;
  readonly approve: (killId: string, approvedBy: string) => Promise<Result<OutcomeRecord, ApprovalRefusal>>;
  readonly reject: (killId: string, rejectedBy: string) => Promise<Result<OutcomeRecord, ApprovalRefusal>>;
}

/** Every error code the API answers with, and its HTTP status: the one place HTTP mapping lives. */
const STATUS = {
  bad_request: 400,
  unauthorized: 401,
  approvals_disabled: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  not_pending: 409,
  observer_mode: 409,
  expired: 410,
  payload_too_large: 413,
  expectation_failed: 417,
  headers_too_large: 431,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ApiErrorCode = keyof typeof STATUS;

class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The status and JSON body of an error answer, `{error: {code, message}}`, with the message made printable. */
export function errorAnswer(code: ApiErrorCode, message: string): { status: ContentfulStatusCode; body: string } {
  return { status: STATUS[code], body: escapeNonPrintable(JSON.stringify({ error: { code, message } })) };
}

/** The operators' HTTP API (README, API). */
export function createApi(deps: ApiDeps): Hono {
  const app = new Hono();
  app.use(printableJson);
  const requireToken = tokenCheck(deps.token);

  app.get('/health', async (c) => {
    const report = await deps.health();
    return c.json({
      status: report.status,
      mode: deps.mode,
      uptime_seconds: Math.round((deps.now() - deps.startedAt) / 1000),
      version: deps.version,
      checks: report.checks,
    });
  });

  app.get('/decisions/recent', async (c) => {
    const limit = parseLimit(c.req.query('limit'));
    const records = await deps.repo.recent(limit);
    return c.json({ count: records.length, decisions: records.map(toApiRecord) });
  });

  app.get('/decisions/:killId', async (c) => {
    const killId = parseKillId(c.req.param('killId'));
    const record = await deps.repo.get(killId);
    if (!record) throw new ApiError('not_found', `no decision for kill ${killId}`);
    return c.json(toApiRecord(record));
  });

  app.get('/stats', async (c) => {
    const [stats, calibration, notifications] = await Promise.all([deps.repo.stats(), deps.repo.latestCalibration(), deps.notifications()]);
    return c.json({
      total: stats.total,
      by_decision: stats.byDecision,
      by_outcome: stats.byOutcome,
      rejections: stats.rejections,
      average_time_to_healthy: stats.averageTimeToHealthy,
      auto_approve_accuracy: stats.autoApproveAccuracy,
      auto_approve_labelled: stats.autoApproveLabelled,
      operator_verdicts: stats.operatorVerdicts,
      thresholds: { auto_approve_max_score: deps.ceiling.current() },
      calibration: calibration ? calibrationJson(calibration) : null,
      notifications,
    });
  });

  app.post('/approve/:killId', requireToken, async (c) => {
    const killId = parseKillId(c.req.param('killId'));
    const result = await deps.approve(killId, 'api');
    if (!result.ok) throw new ApiError(result.error.code, result.error.message);
    return c.json({ kill_id: killId, status: 'executing', approved_by: result.value.approvedBy, approved_at: result.value.approvedAt }, 202);
  });

  // The operator confirms Smith was right: a true-positive label for learning; nothing is executed.
  app.post('/reject/:killId', requireToken, async (c) => {
    const killId = parseKillId(c.req.param('killId'));
    const result = await deps.reject(killId, 'api');
    if (!result.ok) throw new ApiError(result.error.code, result.error.message);
    return c.json({ kill_id: killId, status: 'rejected', rejected_by: result.value.rejectedBy, rejected_at: result.value.rejectedAt });
  });

  app.notFound((c) => errorResponse(c, new ApiError('not_found', `no route ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => errorResponse(c, error));
  return app;
}

/**
 * The bearer-token check of the routes that act: 403 while no token is configured, else Hono's bearer-auth middleware
 * (scheme matched case-insensitively, extra spaces allowed) with our constant-time comparison; every refusal is a 401
 * in the error shape. The presented token is never logged or echoed.
 */
function tokenCheck(token: string | undefined): MiddlewareHandler {
  if (token === undefined) {
    return async () => {
      throw new ApiError('approvals_disabled', 'operator verdicts (approve, reject) are disabled: MEDIC_API_TOKEN is not set');
    };
  }
  const refuse = (message: string) => () => {
    const { status, body } = errorAnswer('unauthorized', message);
    return new Response(body, { status, headers: { 'content-type': 'application/json' } });
  };
  return bearerAuth({
    verifyToken: (presented) => tokenMatches(presented, token),
    noAuthenticationHeader: { message: refuse('missing bearer token: send Authorization: Bearer <MEDIC_API_TOKEN>') },
    invalidAuthenticationHeader: { message: refuse('malformed Authorization header: expected Bearer <token>') },
    invalidToken: { message: refuse('wrong bearer token') },
  });
}

/** Answers JSON with every non-printable character escaped, so nothing from a kill report reaches a terminal raw. */
const printableJson: MiddlewareHandler = async (c, next) => {
  await next();
  if (!c.res.headers.get('content-type')?.startsWith('application/json')) return;
  const { status, headers } = c.res;
  const body = escapeNonPrintable(await c.res.text());
  const fixed = new Headers(headers);
  fixed.delete('content-length');
  c.res = undefined;
  c.res = new Response(body, { status, headers: fixed });
};

function errorResponse(c: Context, error: unknown): Response {
  if (error instanceof ApiError) {
    return c.json({ error: { code: error.code, message: error.message } }, STATUS[error.code]);
  }
  // The bearer-auth middleware throws its refusal with the answer attached.
  if (error instanceof HTTPException && error.res) return error.getResponse();
  // Hono raises its own HTTPException for malformed requests (e.g. a bad URI); those are the client's fault.
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return c.json({ error: { code: 'bad_request', message: (error as Error).message || 'malformed request' } }, 400);
  }
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500);
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 20;
  if (!/^\d{1,6}$/.test(raw)) throw new ApiError('bad_request', `limit: must be an integer from 1 to ${MAX_LIMIT}`);
  const limit = Number(raw);
  if (limit < 1 || limit > MAX_LIMIT) throw new ApiError('bad_request', `limit: must be an integer from 1 to ${MAX_LIMIT}`);
  return limit;
}

function parseKillId(raw: string): string {
  if (!KILL_ID.test(raw)) throw new ApiError('bad_request', 'killId: must be 1-128 characters of [A-Za-z0-9._:-]');
  return raw;
}

/** Constant-time comparison of the bearer token (hashes first, so lengths never leak). */
function tokenMatches(presented: string, token: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

function calibrationJson(c: Calibration) {
  return snakeCased(c, CALIBRATION_FIELDS);
}
