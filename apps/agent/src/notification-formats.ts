import { escapeNonPrintable, round, snakeCased } from '@medic/domain';
import type { Notification, NotifiedDecision, NotifiedKill, NotifiedResurrection, OutboxEntry } from '@medic/domain';
import type { WebhookFormat } from './config';

/** What a message needs besides the notification: where operators reach the API, and who sends it. */
export interface MessageContext {
  /** Base URL of the API in approve commands (notify.api_url). */
  readonly apiUrl: string;
  /** Why this agent takes no approvals at all (the API off, no MEDIC_API_TOKEN); null when it takes them. */
  readonly approvalsOff: string | null;
  /** CloudEvents `source`: this agent. */
  readonly source: string;
}

/** http://<host>:<port> of the API, with a wildcard address replaced by the loopback one an operator on this machine can reach. */
export function apiUrlOf(address: { readonly host: string; readonly port: number }): string {
  const host = address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** An HTTP request body and its content type. */
export interface RenderedMessage {
  readonly contentType: string;
  readonly body: string;
}

/** The version of Medic's own JSON body; bumped on an incompatible change. */
export const JSON_BODY_VERSION = 1;

const CLOUDEVENT_TYPES = {
  pending_review: 'medic.decision.v1',
  deny: 'medic.decision.v1',
  budget_exhausted: 'medic.decision.v1',
  resurrected: 'medic.resurrection.v1',
  rollback: 'medic.resurrection.v1',
  failure: 'medic.resurrection.v1',
  calibration: 'medic.calibration.v1',
} as const satisfies Record<Notification['event'], string>;

/** The request a webhook of `format` gets for an outbox entry. Every string from input is made printable first. */
export function renderMessage(format: WebhookFormat, entry: OutboxEntry, context: MessageContext): RenderedMessage {
  switch (format) {
    case 'json':
      return { contentType: 'application/json; charset=utf-8', body: serialize(jsonBody(entry, context)) };
    case 'cloudevents':
      return { contentType: 'application/cloudevents+json; charset=utf-8', body: serialize(cloudEvent(entry, context)) };
    case 'slack':
      return { contentType: 'application/json; charset=utf-8', body: serialize({ text: slackText(entry.notification, context), unfurl_links: false, unfurl_media: false }) };
  }
}

/** Medic's own body (README "Notifications"): snake_case, the same facts for every event kind. */
export function jsonBody(entry: OutboxEntry, context: MessageContext): Record<string, unknown> {
  const n = entry.notification;
  const head = { version: JSON_BODY_VERSION, id: entry.id, event: n.event, time: n.at, summary: summary(n) };
  if (n.event === 'calibration') {
    const c = n.calibration;
    return printable({
      ...head,
      calibration: { previous_max_score: c.previousMaxScore, next_max_score: c.nextMaxScore, direction: c.direction, samples: c.samples, successes: c.successes, reason: c.reason },
    });
  }
  const facts = { ...head, kill: killJson(n.kill), decision: decisionJson(n.decision) };
  if (n.event === 'resurrected' || n.event === 'rollback' || n.event === 'failure') return printable({ ...facts, resurrection: resurrectionJson(n.resurrection) });
  return printable(n.event === 'pending_review' ? { ...facts, approval: approvalJson(n.kill, n.decision, n.expiresAt, context) } : facts);
}

/** A CloudEvents 1.0 event in the structured JSON format, Medic's body as its data. */
export function cloudEvent(entry: OutboxEntry, context: MessageContext): Record<string, unknown> {
  const n = entry.notification;
  return {
    specversion: '1.0',
    id: entry.id,
    source: context.source,
    type: CLOUDEVENT_TYPES[n.event],
    subject: n.event === 'calibration' ? 'auto_approve_max_score' : n.kill.module,
    time: n.at,
    datacontenttype: 'application/json',
    // An extension attribute (lower-case letters, at most 20): lets a broker route on the event without reading data.
    medicevent: n.event,
    data: jsonBody(entry, context),
  };
}

/** One line saying what happened, in plain text. */
export function summary(n: Notification): string {
  switch (n.event) {
    case 'pending_review':
      return `Kill of ${n.kill.module} waits for review until ${n.expiresAt ?? 'it expires'}: risk ${fmt(n.decision.riskScore)} (${n.decision.riskLevel})`;
    case 'deny':
      return `Kill of ${n.kill.module} denied: Medic will not resurrect it (risk ${fmt(n.decision.riskScore)}, ${n.decision.riskLevel})`;
    case 'budget_exhausted':
      return `Kill of ${n.kill.module} denied: its restart budget is spent`;
    case 'resurrected': {
      const r = n.resurrection;
      const health = r.healthStatus === 'healthy' ? 'healthy' : 'running (no health check)';
      return `${n.kill.module} resurrected: ${health}${r.timeToHealthy === null ? '' : ` after ${r.timeToHealthy} s`}`;
    }
    case 'rollback':
      return `${n.kill.module} came back unhealthy and was stopped again`;
    case 'failure':
      return `Resurrection of ${n.kill.module} failed: ${n.resurrection.error ?? 'error'}`;
    case 'calibration':
      return `Auto-approve ceiling ${n.calibration.direction === 'up' ? 'raised' : 'lowered'} from ${fmt(n.calibration.previousMaxScore)} to ${fmt(n.calibration.nextMaxScore)}`;
  }
}

/**
 * A Slack `text` (mrkdwn): a heading of Medic's own words, then every fact in a code block, where Slack renders no
 * formatting, mention or link. Input is made printable, backticks in it become ', and &, <, > become entities as Slack
 * documents, so a kill report can neither close the block nor form a mention (<!here>, <@U…>) or a link (<url|text>).
 */
export function slackText(n: Notification, context: MessageContext): string {
  const heading = `*Medic: ${slackHeading(n)}*`;
  if (n.event === 'calibration') {
    const c = n.calibration;
    return [heading, block([['ceiling', `${fmt(c.previousMaxScore)} → ${fmt(c.nextMaxScore)}`], ['evidence', `${c.successes} of ${c.samples} labelled auto-approvals held`], ['why', c.reason]])].join('\n');
  }
  const lines: Array<[string, string]> = [
    ['kill', `${n.kill.killId} (reported ${n.kill.reportedAt} by ${n.kill.sourceAgent})`],
    ['module', `${n.kill.module}, instance ${n.kill.instanceId}`],
    ['smith', `${n.kill.killReason}, severity ${n.kill.severity}, confidence ${fmt(n.kill.smithConfidence)}`],
    ...n.kill.evidence.map((item): [string, string] => ['evidence', item]),
    ['decision', `${n.decision.outcome} (${n.decision.mode} mode)`],
    ['why', n.decision.reason],
    ['risk', `${fmt(n.decision.riskScore)} (${n.decision.riskLevel}), confidence ${fmt(n.decision.confidence)}`],
    ['factors', n.decision.mainFactors.map((f) => `${f.name} ${fmt(f.value)} (${signed(f.contribution)})`).join('; ')],
  ];
  if (n.event === 'resurrected' || n.event === 'rollback' || n.event === 'failure') {
    const r = n.resurrection;
    lines.push(['outcome', `${r.outcome}${r.error ? ` (${r.error})` : ''}${r.timeToHealthy === null ? '' : `, healthy after ${r.timeToHealthy} s`}`]);
    if (r.message) lines.push(['detail', r.message]);
    lines.push(['approved', r.approvedBy === null ? 'automatically' : `by ${r.approvedBy}`]);
  }
  const text = [heading, block(lines)];
  if (n.event === 'pending_review') {
    const approval = approvalJson(n.kill, n.decision, n.expiresAt, context);
    if (approval.available) text.push(`To approve before ${approval.expires_at}:`, `\`\`\`${slackEscape(approval.curl)}\`\`\``);
    else text.push(`It cannot be approved: ${slackEscape(approval.unavailable_because ?? '')}`);
  }
  return text.join('\n');
}

function slackHeading(n: Notification): string {
  switch (n.event) {
    case 'pending_review':
      return `kill of \`${n.kill.module}\` waits for review until ${n.expiresAt ?? 'it expires'}`;
    case 'deny':
      return `kill of \`${n.kill.module}\` denied`;
    case 'budget_exhausted':
      return `kill of \`${n.kill.module}\` denied: restart budget spent`;
    case 'resurrected':
      return `\`${n.kill.module}\` resurrected`;
    case 'rollback':
      return `\`${n.kill.module}\` came back unhealthy and was stopped again`;
    case 'failure':
      return `resurrection of \`${n.kill.module}\` failed`;
    case 'calibration':
      return `auto-approve ceiling ${n.calibration.direction === 'up' ? 'raised' : 'lowered'}`;
  }
}

/** Labelled lines in a Slack code block. */
function block(lines: ReadonlyArray<readonly [string, string]>): string {
  return `\`\`\`${lines.map(([label, value]) => `${label.padEnd(9)} ${slackEscape(value)}`).join('\n')}\`\`\``;
}

/** Text made safe for a Slack code block: printable, no backtick, and &, <, > as Slack's entities. */
export function slackEscape(text: string): string {
  return escapeNonPrintable(text).replace(/`/g, "'").replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface ApprovalJson {
  readonly expires_at: string | null;
  readonly available: boolean;
  readonly unavailable_because: string | null;
  readonly approve_url: string;
  readonly reject_url: string;
  /** The command to approve, the token as the variable an operator has set: never its value. */
  readonly curl: string;
}

function approvalJson(kill: NotifiedKill, decision: NotifiedDecision, expiresAt: string | null, context: MessageContext): ApprovalJson {
  // A kill id is [A-Za-z0-9._:-]: safe in a URL path and in a shell word.
  const approveUrl = `${context.apiUrl}/approve/${kill.killId}`;
  const why =
    decision.mode === 'observer'
      ? 'Medic ran in observer mode when it decided; approvals need live mode'
      : context.approvalsOff;
  return {
    expires_at: expiresAt,
    available: why === null,
    unavailable_because: why,
    approve_url: approveUrl,
    reject_url: `${context.apiUrl}/reject/${kill.killId}`,
    curl: `curl -s -X POST -H "Authorization: Bearer $MEDIC_API_TOKEN" ${approveUrl}`,
  };
}

function killJson(k: NotifiedKill) {
  return snakeCased(k, ['killId', 'module', 'instanceId', 'killReason', 'severity', 'smithConfidence', 'reportedAt', 'sourceAgent', 'evidence']);
}

function decisionJson(d: NotifiedDecision) {
  return {
    outcome: d.outcome,
    decided_at: d.decidedAt,
    mode: d.mode,
    risk_score: round6(d.riskScore),
    risk_level: d.riskLevel,
    confidence: round6(d.confidence),
    guard: d.guard,
    reason: d.reason,
    main_factors: d.mainFactors.map((f) => ({ name: f.name, value: round6(f.value), contribution: round6(f.contribution), detail: f.detail })),
  };
}

function resurrectionJson(r: NotifiedResurrection) {
  return snakeCased(r, ['outcome', 'error', 'message', 'timeToHealthy', 'healthStatus', 'containerId', 'approvedBy', 'completedAt']);
}

/** Every string of a JSON value with its non-printable characters written as \uXXXX text. */
function printable<T>(value: T): T {
  if (typeof value === 'string') return escapeNonPrintable(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => printable(item)) as T;
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printable(v)])) as T;
  return value;
}

/** JSON text with nothing non-printable left even in its escapes' sources (a second line of defence). */
function serialize(value: unknown): string {
  return escapeNonPrintable(JSON.stringify(value));
}

/** Numbers in a JSON body: six decimals, so a sum's rounding noise (0.08000000000000002) does not show. */
function round6(value: number): number {
  return round(value, 6);
}

function fmt(value: number): string {
  return String(round(value, 3));
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${fmt(value)}`;
}
