import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_CALIBRATION, DEFAULT_KILL_WINDOW_SECONDS, DEFAULT_POLICY, DEFAULT_RESURRECTION, MedicError, NOTIFICATION_EVENTS } from '@medic/domain';
import type { CalibrationConfig, Mode, NotificationEvent, PolicyConfig } from '@medic/domain';
import { DEFAULT_KEY_ID, DEFAULT_KEY_VARIABLE, readSecret, Secret } from './signing';

const unit = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(1));
const positive = v.pipe(v.number(), v.finite(), v.gtValue(0));
const count = v.pipe(v.number(), v.integer(), v.minValue(0));
const port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const text = v.pipe(v.string(), v.minLength(1));
const moduleName = v.pipe(v.string(), v.regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/, 'must be a container name'));
const modeSchema = v.picklist(['observer', 'live']);
/** A fixed adapter choice: the key may say so, but nothing else (no mock, no other engine) can be selected. */
const only = <T extends string>(value: T, what: string) =>
  v.optional(v.literal(value, (issue) => `only "${value}" is supported (${what}), received ${issue.received}`), value);
const keyId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9._-]'));
/** A key's value names the environment variable holding its secret, so no secret ever has to sit in the file. */
const secretVariable = v.pipe(
  v.string(),
  v.regex(/^[A-Z_][A-Z0-9_]{0,127}$/, 'must name the environment variable holding the secret (e.g. MEDIC_SMITH_KEY), never the secret itself'),
);

/** An HTTP header name (RFC 9110 token). */
const headerName = v.pipe(v.string(), v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/, 'must be an HTTP header name'));
/** Headers Medic sets itself, or that the HTTP client owns. */
const RESERVED_HEADERS = new Set(['content-type', 'content-length', 'host', 'transfer-encoding', 'connection', 'user-agent']);
const WEBHOOK_FORMATS = ['slack', 'json', 'cloudevents'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

const webhookSchema = v.strictObject({
  // The webhook's key in the outbox and its name in logs, /health and /stats; default: derived from the URL as written.
  name: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9._-]'))),
  url: text,
  format: v.picklist(WEBHOOK_FORMATS),
  events: v.pipe(v.array(v.picklist(NOTIFICATION_EVENTS)), v.minLength(1, 'must list at least one event')),
  headers: v.optional(v.record(headerName, v.string()), {}),
});

/** Fills the defaults of an object section when the section is absent. */
const section = <T extends v.ObjectEntries>(entries: T) =>
  // Every key of a section is optional, so an empty object is a valid input.
  v.optional(v.strictObject(entries), () => ({}) as v.InferInput<v.StrictObjectSchema<T, undefined>>);

const w = DEFAULT_POLICY.weights;

/** The whole configuration file; every key is optional and defaults as in config/medic.yaml. */
const ConfigSchema = v.strictObject({
  version: v.optional(v.string(), '1.0'),
  mode: v.optional(modeSchema, 'observer'),
  smith: section({
    event_bus: section({
      type: only('redis', 'the kill source is a Redis stream'),
      host: v.optional(text, '127.0.0.1'),
      port: v.optional(port, 6379),
      topic: v.optional(text, 'smith.events.kill_notifications'),
      consumer_group: v.optional(text, 'medic-agent'),
      consumer_name: v.optional(text),
      claim_idle_ms: v.optional(positive, 60_000),
      block_ms: v.optional(positive, 500),
      batch_size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 100),
      // For a rediss:// URL: a private CA, and a client certificate when the server asks for one (tls-auth-clients).
      tls: section({
        ca_file: v.optional(text),
        cert_file: v.optional(text),
        key_file: v.optional(text),
      }),
    }),
    signing: section({
      required: v.optional(v.boolean(), false),
      // Key id → name of the variable holding its secret (or whose _FILE variant names a file holding it).
      keys: v.optional(v.record(keyId, secretVariable)),
      max_report_age_seconds: v.optional(positive, 300),
    }),
  }),
  decision: section({
    auto_approve: section({
      enabled: v.optional(v.boolean(), DEFAULT_POLICY.autoApprove.enabled),
      min_confidence: v.optional(unit, DEFAULT_POLICY.autoApprove.minConfidence),
      max_score: v.optional(unit, DEFAULT_POLICY.autoApprove.maxScore),
    }),
    confidence_threshold: v.optional(unit, DEFAULT_POLICY.confidenceThreshold),
    always_deny_modules: v.optional(v.array(moduleName), []),
    critical_modules: v.optional(v.array(moduleName), []),
    threat_deny_confidence: v.optional(unit, DEFAULT_POLICY.threatDenyConfidence),
    approval_ttl_minutes: v.optional(positive, 60),
  }),
  risk: section({
    weights: section({
      smith_confidence: v.optional(unit, w.smith_confidence),
      siem_risk_score: v.optional(unit, w.siem_risk_score),
      false_positive_history: v.optional(unit, w.false_positive_history),
      module_criticality: v.optional(unit, w.module_criticality),
      severity: v.optional(unit, w.severity),
      kill_reason: v.optional(unit, w.kill_reason),
    }),
    module_criticality: v.optional(v.record(moduleName, unit), {}),
  }),
  resurrection: section({
    executor: only('docker', 'containers are resurrected through the Docker engine'),
    require_label: v.optional(v.boolean(), false),
    verify_kill: v.optional(v.boolean(), false),
    kill_window_seconds: v.optional(positive, DEFAULT_KILL_WINDOW_SECONDS),
    health_check_interval_seconds: v.optional(positive, 0.5),
    health_check_timeout_seconds: v.optional(positive, 60),
    stability_window_seconds: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0)), 1),
    // Docker's own grace period when Medic restarts or rolls back a container (docker restart -t / stop -t).
    stop_grace_seconds: v.optional(count, 10),
    max_retry_attempts: v.optional(count, 2),
    concurrency: v.optional(v.pipe(count, v.minValue(1), v.maxValue(256)), DEFAULT_RESURRECTION.concurrency),
    retry_deadline_seconds: v.optional(positive, DEFAULT_RESURRECTION.retryDeadlineSeconds),
    // How long a stopping agent waits for resurrections in flight.
    stop_timeout_seconds: v.optional(v.pipe(v.number(), v.finite(), v.minValue(0)), 10),
    budget: section({
      max_restarts: v.optional(count, DEFAULT_POLICY.budget.maxRestarts),
      window_minutes: v.optional(positive, DEFAULT_POLICY.budget.windowMinutes),
    }),
  }),
  learning: section({
    database: section({
      type: only('sqlite', 'decisions are stored in a SQLite file'),
      path: v.optional(text, 'data/outcomes.db'),
    }),
    rekill_window_minutes: v.optional(positive, DEFAULT_POLICY.rekillWindowMinutes),
    history_window_days: v.optional(positive, DEFAULT_POLICY.historyWindowDays),
    min_samples: v.optional(v.pipe(count, v.minValue(1)), DEFAULT_CALIBRATION.minSamples),
    max_harm_rate: v.optional(unit, DEFAULT_CALIBRATION.maxHarmRate),
    calibration_window_days: v.optional(positive, DEFAULT_CALIBRATION.windowDays),
    // At most 24 days: Node timers cannot wait longer than 2^31-1 ms (24.8 days) and would fire every millisecond instead.
    calibration_interval_hours: v.optional(v.pipe(v.number(), v.finite(), v.gtValue(0), v.maxValue(576)), 24),
  }),
  siem: section({
    enabled: v.optional(v.boolean(), false),
    node: v.optional(v.pipe(v.string(), v.url()), 'http://127.0.0.1:9200'),
    index: v.optional(text, '.alerts-security.alerts-*'),
    lookback_hours: v.optional(positive, 24),
    timeout_ms: v.optional(positive, 2000),
    false_positive_tags: v.optional(v.array(text), ['False Positive']),
    api_key: v.optional(text),
    username: v.optional(text),
    password: v.optional(text),
    ca_file: v.optional(text),
  }),
  notify: section({
    webhooks: v.optional(v.array(webhookSchema), []),
    // Where an operator reaches the API, for the approve command in pending_review messages; default from api.host/api.port.
    api_url: v.optional(v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//, 'must be an http:// or https:// URL'))),
    timeout_seconds: v.optional(positive, 10),
    retry: section({
      first_delay_seconds: v.optional(positive, 1),
      max_delay_seconds: v.optional(positive, 300),
      max_attempts: v.optional(v.pipe(count, v.minValue(1), v.maxValue(1000)), 10),
    }),
  }),
  api: section({
    enabled: v.optional(v.boolean(), true),
    host: v.optional(text, '127.0.0.1'),
    port: v.optional(port, 8000),
  }),
  logging: section({
    // Any case: the reboot plan writes "INFO".
    level: v.optional(v.pipe(v.string(), v.toLowerCase(), v.picklist(['error', 'warn', 'info', 'debug'])), 'info'),
    format: v.optional(v.picklist(['text', 'json']), 'text'),
  }),
});

type ConfigFile = v.InferOutput<typeof ConfigSchema>;

/** One webhook, with `${VAR}` references in its URL and header values read from the environment. */
export interface WebhookConfig {
  /** Its key in the outbox: `name`, or derived from the URL as written in the file. */
  readonly key: string;
  /** What logs, /health and /stats call it: `name`, or the URL's origin. */
  readonly name: string;
  /** The URL's scheme, host and port: the part that may be shown. */
  readonly origin: string;
  /** The whole URL; it may hold a secret (a Slack webhook's path does). */
  readonly url: Secret;
  readonly format: WebhookFormat;
  readonly events: ReadonlySet<NotificationEvent>;
  /** Extra request headers; values are never shown. */
  readonly headers: ReadonlyMap<string, Secret>;
}

/** The validated configuration with environment overrides applied and paths made absolute. */
export interface AgentConfig {
  readonly file: string | null;
  readonly mode: Mode;
  readonly redis: {
    readonly url: string;
    readonly stream: string;
    readonly group: string;
    readonly consumer: string;
    readonly claimIdleMs: number;
    readonly blockMs: number;
    readonly batchSize: number;
    /** Files for TLS (absolute paths); absent: Node's trusted CAs and no client certificate. */
    readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
  };
  readonly signing: {
    readonly required: boolean;
    /** Secrets by key id, read from the environment or files at start. */
    readonly keys: ReadonlyMap<string, Secret>;
    readonly maxReportAgeSeconds: number;
  };
  readonly policy: PolicyConfig;
  readonly calibration: CalibrationConfig & { readonly intervalHours: number };
  readonly approvalTtlMinutes: number;
  readonly resurrection: {
    readonly concurrency: number;
    readonly retryDeadlineSeconds: number;
    /** How long stop() waits for resurrections in flight. */
    readonly stopTimeoutSeconds: number;
  };
  readonly docker: {
    readonly host: string | undefined;
    readonly requireLabel: boolean;
    readonly verifyKill: boolean;
    readonly killWindowMs: number;
    readonly healthCheckIntervalMs: number;
    readonly healthCheckTimeoutMs: number;
    readonly stabilityWindowMs: number;
    /** Docker's grace period (SIGTERM to SIGKILL) when Medic restarts or rolls back a container. */
    readonly stopGraceSeconds: number;
    readonly maxRetryAttempts: number;
  };
  readonly databasePath: string;
  readonly siem: {
    readonly enabled: boolean;
    readonly node: string;
    readonly index: string;
    readonly lookbackHours: number;
    readonly timeoutMs: number;
    readonly falsePositiveTags: readonly string[];
    readonly apiKey?: string;
    readonly username?: string;
    readonly password?: string;
    readonly caFile?: string;
  };
  readonly api: { readonly enabled: boolean; readonly host: string; readonly port: number; readonly token: string | undefined };
  readonly notify: {
    readonly webhooks: readonly WebhookConfig[];
    /** Base URL of the API in approve commands (notify.api_url); null: the API's own address. */
    readonly apiUrl: string | null;
    readonly timeoutMs: number;
    readonly retry: { readonly firstDelayMs: number; readonly maxDelayMs: number; readonly maxAttempts: number };
  };
  readonly logging: { readonly level: 'error' | 'warn' | 'info' | 'debug'; readonly format: 'text' | 'json' };
}

export interface LoadConfigOptions {
  /** Config file; falls back to MEDIC_CONFIG_PATH, else the built-in defaults (the same as config/medic.yaml). */
  readonly path?: string;
  /** --mode from the command line; wins over MEDIC_MODE and the file. */
  readonly mode?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Directory relative paths are resolved against (the one the user started the command in). */
  readonly cwd?: string;
}

/** Reads, overrides and validates the configuration; throws MedicError('config_invalid') naming the key. */
export function loadConfig(options: LoadConfigOptions = {}): AgentConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const requested = options.path ?? env.MEDIC_CONFIG_PATH;
  const file = requested ? resolvePath(cwd, requested) : null;
  let raw: unknown = {};
  if (file) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      throw new MedicError('config_invalid', `cannot read config file ${file}: ${(error as Error).message}`);
    }
    try {
      raw = parseYaml(source) ?? {};
    } catch (error) {
      throw new MedicError('config_invalid', `config file ${file} is not valid YAML: ${(error as Error).message}`);
    }
  }
  return buildConfig(raw, { env, cwd, file, mode: options.mode });
}

/** Validates an already-parsed config document (used by loadConfig and tests). */
export function buildConfig(
  raw: unknown,
  context: { env: NodeJS.ProcessEnv; cwd: string; file: string | null; mode?: string | undefined },
): AgentConfig {
  const { env, cwd, file } = context;
  const parsed = v.safeParse(ConfigSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const key = v.getDotPath(issue) ?? '(root)';
    throw new MedicError('config_invalid', `invalid configuration${file ? ` in ${file}` : ''}: ${key}: ${issue.message}`);
  }
  const c: ConfigFile = parsed.output;
  const mode = pickMode(context.mode, env.MEDIC_MODE, c.mode);
  const bus = c.smith.event_bus;
  const redisUrl = env.REDIS_URL && env.REDIS_URL.length > 0 ? env.REDIS_URL : `redis://${bus.host}:${bus.port}`;
  if (!/^rediss?:\/\//.test(redisUrl)) {
    throw new MedicError('config_invalid', `invalid configuration: REDIS_URL: must start with redis:// or rediss:// (got "${redisUrl.slice(0, 40)}")`);
  }
  const tls = bus.tls;
  if ((tls.ca_file || tls.cert_file || tls.key_file) && !redisUrl.startsWith('rediss://')) {
    throw new MedicError('config_invalid', 'invalid configuration: smith.event_bus.tls: TLS files need a rediss:// REDIS_URL');
  }
  if (Boolean(tls.cert_file) !== Boolean(tls.key_file)) {
    throw new MedicError('config_invalid', 'invalid configuration: smith.event_bus.tls: cert_file and key_file go together');
  }
  const siemNode = env.ELASTICSEARCH_URL && env.ELASTICSEARCH_URL.length > 0 ? env.ELASTICSEARCH_URL : c.siem.node;
  const token = env.MEDIC_API_TOKEN && env.MEDIC_API_TOKEN.length > 0 ? env.MEDIC_API_TOKEN : undefined;
  // A bearer token is a token68 (RFC 7235); any other character could never be presented in the header.
  if (token !== undefined && !/^[A-Za-z0-9._~+/-]+=*$/.test(token)) {
    throw new MedicError('config_invalid', 'invalid configuration: MEDIC_API_TOKEN: must be letters, digits and ._~+/- (then = padding), e.g. openssl rand -hex 16');
  }
  const r = c.resurrection;
  const signing = signingConfig(c.smith.signing, env, cwd);
  const config: AgentConfig = {
    file,
    mode,
    redis: {
      url: redisUrl,
      stream: bus.topic,
      group: bus.consumer_group,
      consumer: bus.consumer_name ?? hostname(),
      claimIdleMs: bus.claim_idle_ms,
      blockMs: bus.block_ms,
      batchSize: bus.batch_size,
      ...(tls.ca_file || tls.cert_file
        ? {
            tls: {
              ...(tls.ca_file ? { caFile: resolvePath(cwd, tls.ca_file) } : {}),
              ...(tls.cert_file ? { certFile: resolvePath(cwd, tls.cert_file) } : {}),
              ...(tls.key_file ? { keyFile: resolvePath(cwd, tls.key_file) } : {}),
            },
          }
        : {}),
    },
    signing,
    policy: {
      weights: { ...c.risk.weights },
      confidenceThreshold: c.decision.confidence_threshold,
      autoApprove: {
        enabled: c.decision.auto_approve.enabled,
        minConfidence: c.decision.auto_approve.min_confidence,
        maxScore: c.decision.auto_approve.max_score,
      },
      alwaysDenyModules: c.decision.always_deny_modules,
      criticalModules: c.decision.critical_modules,
      moduleCriticality: c.risk.module_criticality,
      threatDenyConfidence: c.decision.threat_deny_confidence,
      budget: { maxRestarts: r.budget.max_restarts, windowMinutes: r.budget.window_minutes },
      rekillWindowMinutes: c.learning.rekill_window_minutes,
      historyWindowDays: c.learning.history_window_days,
    },
    calibration: {
      minSamples: c.learning.min_samples,
      windowDays: c.learning.calibration_window_days,
      maxHarmRate: c.learning.max_harm_rate,
      intervalHours: c.learning.calibration_interval_hours,
    },
    approvalTtlMinutes: c.decision.approval_ttl_minutes,
    resurrection: { concurrency: r.concurrency, retryDeadlineSeconds: r.retry_deadline_seconds, stopTimeoutSeconds: r.stop_timeout_seconds },
    docker: {
      host: env.DOCKER_HOST && env.DOCKER_HOST.length > 0 ? env.DOCKER_HOST : undefined,
      requireLabel: r.require_label,
      verifyKill: r.verify_kill,
      killWindowMs: r.kill_window_seconds * 1000,
      healthCheckIntervalMs: r.health_check_interval_seconds * 1000,
      healthCheckTimeoutMs: r.health_check_timeout_seconds * 1000,
      stabilityWindowMs: r.stability_window_seconds * 1000,
      stopGraceSeconds: r.stop_grace_seconds,
      maxRetryAttempts: r.max_retry_attempts,
    },
    databasePath: resolvePath(cwd, c.learning.database.path),
    siem: {
      enabled: c.siem.enabled,
      node: siemNode,
      index: c.siem.index,
      lookbackHours: c.siem.lookback_hours,
      timeoutMs: c.siem.timeout_ms,
      falsePositiveTags: c.siem.false_positive_tags,
      ...(c.siem.api_key ? { apiKey: c.siem.api_key } : {}),
      ...(c.siem.username ? { username: c.siem.username } : {}),
      ...(c.siem.password ? { password: c.siem.password } : {}),
      ...(c.siem.ca_file ? { caFile: resolvePath(cwd, c.siem.ca_file) } : {}),
    },
    api: { enabled: c.api.enabled, host: c.api.host, port: c.api.port, token },
    notify: {
      webhooks: c.notify.webhooks.map((webhook, i) => webhookConfig(webhook, `notify.webhooks.${i}`, env)),
      apiUrl: c.notify.api_url === undefined ? null : c.notify.api_url.replace(/\/+$/, ''),
      timeoutMs: c.notify.timeout_seconds * 1000,
      retry: {
        firstDelayMs: c.notify.retry.first_delay_seconds * 1000,
        maxDelayMs: Math.max(c.notify.retry.first_delay_seconds, c.notify.retry.max_delay_seconds) * 1000,
        maxAttempts: c.notify.retry.max_attempts,
      },
    },
    logging: { level: c.logging.level, format: c.logging.format },
  };
  const keys = new Set<string>();
  for (const [i, webhook] of config.notify.webhooks.entries()) {
    if (keys.has(webhook.key)) throw invalidKey(`notify.webhooks.${i}`, `another webhook has the same ${webhook.key.startsWith('url-') ? 'URL' : 'name'}; give each a distinct name`);
    keys.add(webhook.key);
  }
  return config;
}

/** A webhook with its `${VAR}` references read from the environment; a missing variable stops start-up naming the key, never a value. */
function webhookConfig(raw: ConfigFile['notify']['webhooks'][number], key: string, env: NodeJS.ProcessEnv): WebhookConfig {
  const urlText = expandEnv(raw.url, `${key}.url`, env);
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw invalidKey(`${key}.url`, 'is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidKey(`${key}.url`, 'must be an http:// or https:// URL');
  if (url.username !== '' || url.password !== '') throw invalidKey(`${key}.url`, 'must not carry credentials; send them in headers');
  const headers = new Map<string, Secret>();
  for (const [name, template] of Object.entries(raw.headers)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw invalidKey(`${key}.headers.${name}`, 'is set by Medic itself');
    const value = expandEnv(template, `${key}.headers.${name}`, env);
    // eslint-disable-next-line no-control-regex -- exactly the characters a header value cannot hold
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) throw invalidKey(`${key}.headers.${name}`, 'must be one line without control characters');
    headers.set(name, new Secret(new Uint8Array(Buffer.from(value, 'utf8'))));
  }
  return {
    key: raw.name ?? `url-${createHash('sha256').update(raw.url).digest('hex').slice(0, 12)}`,
    name: raw.name ?? url.origin,
    origin: url.origin,
    url: new Secret(new Uint8Array(Buffer.from(url.href, 'utf8'))),
    format: raw.format,
    events: new Set(raw.events),
    headers,
  };
}

/** `${NAME}` references replaced by the environment's values; an unset or empty variable is an error naming the key. */
function expandEnv(template: string, key: string, env: NodeJS.ProcessEnv): string {
  return template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') throw invalidKey(key, `the environment variable ${name} is not set`);
    return value;
  });
}

function invalidKey(key: string, reason: string): MedicError {
  return new MedicError('config_invalid', `invalid configuration: ${key}: ${reason}`);
}

/**
 * The signing keys, read now so a missing or short secret stops start-up naming its key. Without `keys`, key
 * "smith" is MEDIC_SMITH_KEY (or MEDIC_SMITH_KEY_FILE) when set.
 */
function signingConfig(section: ConfigFile['smith']['signing'], env: NodeJS.ProcessEnv, cwd: string): AgentConfig['signing'] {
  const listed = section.keys ?? {};
  const entries = Object.entries(listed).map(([id, variable]) => [id, readSecret(`smith.signing.keys.${id}`, variable, env, cwd)] as const);
  const defaultSet = [DEFAULT_KEY_VARIABLE, `${DEFAULT_KEY_VARIABLE}_FILE`].some((name) => (env[name] ?? '') !== '');
  if (section.keys === undefined && defaultSet) {
    entries.push([DEFAULT_KEY_ID, readSecret(`smith.signing (key ${DEFAULT_KEY_ID})`, DEFAULT_KEY_VARIABLE, env, cwd)]);
  }
  if (section.required && entries.length === 0) {
    throw new MedicError(
      'config_invalid',
      `invalid configuration: smith.signing.required: true needs a key: set ${DEFAULT_KEY_VARIABLE} (or ${DEFAULT_KEY_VARIABLE}_FILE), or list smith.signing.keys`,
    );
  }
  return { required: section.required, keys: new Map(entries), maxReportAgeSeconds: section.max_report_age_seconds };
}

function pickMode(flag: string | undefined, fromEnv: string | undefined, fromFile: Mode): Mode {
  for (const [source, value] of [
    ['--mode', flag],
    ['MEDIC_MODE', fromEnv],
  ] as const) {
    if (value === undefined || value === '') continue;
    if (value !== 'observer' && value !== 'live') {
      throw new MedicError('config_invalid', `invalid configuration: ${source}: expected observer or live (got "${value.slice(0, 40)}")`);
    }
    return value;
  }
  return fromFile;
}

function resolvePath(cwd: string, path: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}
