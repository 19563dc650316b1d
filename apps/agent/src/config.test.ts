import { join, resolve } from 'node:path';
import { DEFAULT_POLICY, decide, EMPTY_HISTORY, parseKillReport } from '@medic/domain';
import type { KillReport } from '@medic/domain';
import { DEMO_KILL_WIRE } from '@medic/domain/testing';
import { configError } from '../test/config-error';
import { buildConfig, loadConfig } from './config';

const repoRoot = resolve(__dirname, '..', '..', '..');
const medicYaml = join(repoRoot, 'config', 'medic.yaml');
const demoYaml = join(repoRoot, 'config', 'demo.yaml');
/** The reboot plan's Phase 0 config/medic.yaml block, byte for byte. */
const planYaml = join(repoRoot, 'apps', 'agent', 'test', 'fixtures', 'reboot-plan-medic.yaml');
const env = {};

function report(raw: Record<string, unknown>): KillReport {
  const parsed = parseKillReport(raw);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

const demoReport = report(DEMO_KILL_WIRE);
const highRiskReport = report({ ...DEMO_KILL_WIRE, kill_id: 'demo-2', kill_reason: 'threat_detected', severity: 'critical', confidence_score: 0.99 });

describe('configuration', () => {
  it('config/medic.yaml documents exactly the built-in defaults', () => {
    const fromFile = loadConfig({ path: medicYaml, env, cwd: repoRoot });
    const builtIn = buildConfig({}, { env, cwd: repoRoot, file: medicYaml });
    expect(fromFile).toEqual(builtIn);
    expect(fromFile.mode).toBe('observer');
    expect(fromFile.policy.autoApprove.enabled).toBe(false);
    expect(fromFile.api).toEqual({ enabled: true, host: '127.0.0.1', port: 8000, token: undefined });
  });

  it('config/demo.yaml is live with auto-approve on', () => {
    const demo = loadConfig({ path: demoYaml, env, cwd: repoRoot });
    expect(demo.mode).toBe('live');
    expect(demo.policy.autoApprove.enabled).toBe(true);
  });

  it('the plan demo report is approve_auto under demo.yaml; the high-risk report is deny under both', () => {
    const demo = loadConfig({ path: demoYaml, env, cwd: repoRoot });
    const safe = loadConfig({ path: medicYaml, env, cwd: repoRoot });
    const input = (r: KillReport, maxScore: number) => ({
      report: r,
      history: EMPTY_HISTORY,
      threat: { status: 'disabled' } as const,
      reKilledAfterResurrection: false,
      autoApproveMaxScore: maxScore,
    });
    expect(decide(input(demoReport, demo.policy.autoApprove.maxScore), demo.policy).verdict).toBe('approve_auto');
    expect(decide(input(demoReport, safe.policy.autoApprove.maxScore), safe.policy).verdict).toBe('pending_review');
    for (const config of [demo, safe]) {
      const decision = decide(input(highRiskReport, config.policy.autoApprove.maxScore), config.policy);
      expect(decision.verdict).toBe('deny');
      expect(decision.guard).toBe('high_confidence_threat');
    }
  });

  it("the reboot plan's config/medic.yaml loads with every value it writes", () => {
    const plan = loadConfig({ path: planYaml, env, cwd: '/srv/medic' });
    expect(plan.mode).toBe('observer');
    expect(plan.redis).toMatchObject({ url: 'redis://localhost:6379', stream: 'smith.events.kill_notifications', group: 'medic-agent' });
    expect(plan.policy.confidenceThreshold).toBe(0.7);
    expect(plan.policy.autoApprove).toEqual({ enabled: false, minConfidence: 0.85, maxScore: DEFAULT_POLICY.autoApprove.maxScore });
    // kill_reason is not in the plan's weights, so it keeps its default.
    expect(plan.policy.weights).toEqual({
      smith_confidence: 0.3,
      siem_risk_score: 0.25,
      false_positive_history: 0.2,
      module_criticality: 0.15,
      severity: 0.1,
      kill_reason: 0.1,
    });
    expect(plan.docker).toMatchObject({ healthCheckIntervalMs: 10_000, healthCheckTimeoutMs: 60_000, maxRetryAttempts: 2 });
    expect(plan.databasePath).toBe('/srv/medic/data/outcomes.db');
    expect(plan.logging).toEqual({ level: 'info', format: 'text' });
  });

  it('under the plan config the demo report waits for review: its confidence 0.6 is below confidence_threshold 0.7', () => {
    const plan = loadConfig({ path: planYaml, env, cwd: repoRoot });
    const input = { report: demoReport, history: EMPTY_HISTORY, threat: { status: 'disabled' } as const, reKilledAfterResurrection: false, autoApproveMaxScore: 0.3 };
    const decision = decide(input, plan.policy);
    expect(decision.verdict).toBe('pending_review');
    expect(decision.reasoning[0]).toContain('below the confidence threshold 0.7');
  });

  it('takes log levels in any case and names a wrong one', () => {
    for (const [written, level] of [
      ['INFO', 'info'],
      ['Debug', 'debug'],
      ['warn', 'warn'],
      ['ERROR', 'error'],
    ] as const) {
      expect(buildConfig({ logging: { level: written } }, { env, cwd: repoRoot, file: null }).logging.level).toBe(level);
    }
    expect(configError(() => buildConfig({ logging: { level: 'TRACE' } }, { env, cwd: repoRoot, file: null })).message).toContain('logging.level');
  });

  it('confidence_threshold must be in [0, 1]', () => {
    expect(configError(() => buildConfig({ decision: { confidence_threshold: 7 } }, { env, cwd: repoRoot, file: null })).message).toContain(
      'decision.confidence_threshold',
    );
  });

  it('resurrection: concurrency, the engine-outage deadline, the shutdown wait and Docker\'s grace period, each its own key', () => {
    const defaults = buildConfig({}, { env, cwd: repoRoot, file: null });
    expect(defaults.resurrection).toEqual({ concurrency: 8, retryDeadlineSeconds: 300, stopTimeoutSeconds: 10 });
    expect(defaults.docker.stopGraceSeconds).toBe(10);
    const set = buildConfig(
      { resurrection: { concurrency: 20, retry_deadline_seconds: 60, stop_timeout_seconds: 0.5, stop_grace_seconds: 3 } },
      { env, cwd: repoRoot, file: null },
    );
    expect(set.resurrection).toEqual({ concurrency: 20, retryDeadlineSeconds: 60, stopTimeoutSeconds: 0.5 });
    expect(set.docker.stopGraceSeconds).toBe(3);
    for (const [key, value] of [
      ['concurrency', 0],
      ['concurrency', 1.5],
      ['retry_deadline_seconds', 0],
      ['stop_timeout_seconds', -1],
      ['stop_grace_seconds', 2.5],
    ] as const) {
      expect(configError(() => buildConfig({ resurrection: { [key]: value } }, { env, cwd: repoRoot, file: null })).message).toContain(`resurrection.${key}`);
    }
  });

  it('an unknown key stops start-up naming the key path', () => {
    const error = configError(() => buildConfig({ decision: { auto_aprove: { enabled: true } } }, { env, cwd: repoRoot, file: null }));
    expect(error.message).toContain('decision.auto_aprove');
  });

  it('a bad value names the key path', () => {
    const error = configError(() => buildConfig({ decision: { auto_approve: { min_confidence: 1.5 } } }, { env, cwd: repoRoot, file: null }));
    expect(error.message).toContain('decision.auto_approve.min_confidence');
    expect(configError(() => buildConfig({ mode: 'yolo' }, { env, cwd: repoRoot, file: null })).message).toContain('mode');
    expect(configError(() => buildConfig({ api: { port: 70000 } }, { env, cwd: repoRoot, file: null })).message).toContain('api.port');
  });

  it("no configuration can select an in-memory adapter or another engine, though the plan's comments list them", () => {
    const message = (raw: Record<string, unknown>) => configError(() => buildConfig(raw, { env, cwd: repoRoot, file: null })).message;
    expect(message({ smith: { event_bus: { type: 'mock' } } })).toBe(
      'invalid configuration: smith.event_bus.type: only "redis" is supported (the kill source is a Redis stream), received "mock"',
    );
    expect(message({ resurrection: { executor: 'mock' } })).toContain('resurrection.executor: only "docker" is supported');
    expect(message({ resurrection: { executor: 'kubernetes' } })).toContain('received "kubernetes"');
    expect(message({ learning: { database: { type: 'postgres' } } })).toContain('learning.database.type: only "sqlite" is supported');
  });

  it('environment overrides win over the file', () => {
    const config = buildConfig(
      { mode: 'observer' },
      {
        env: {
          MEDIC_MODE: 'live',
          MEDIC_API_TOKEN: 's3cret',
          REDIS_URL: 'rediss://:pw@redis.example:6380/0',
          DOCKER_HOST: 'unix:///tmp/docker.sock',
          ELASTICSEARCH_URL: 'http://es.example:9200',
        },
        cwd: repoRoot,
        file: null,
      },
    );
    expect(config.mode).toBe('live');
    expect(config.api.token).toBe('s3cret');
    expect(config.redis.url).toBe('rediss://:pw@redis.example:6380/0');
    expect(config.docker.host).toBe('unix:///tmp/docker.sock');
    expect(config.siem.node).toBe('http://es.example:9200');
  });

  it('siem.false_positive_tags defaults to Kibana\'s tag, takes a list, and a bad value is named', () => {
    expect(buildConfig({}, { env, cwd: repoRoot, file: null }).siem.falsePositiveTags).toEqual(['False Positive']);
    const tags = buildConfig({ siem: { false_positive_tags: ['Faux positif', 'FP'] } }, { env, cwd: repoRoot, file: null }).siem.falsePositiveTags;
    expect(tags).toEqual(['Faux positif', 'FP']);
    expect(configError(() => buildConfig({ siem: { false_positive_tags: 'FP' } }, { env, cwd: repoRoot, file: null })).message).toContain('siem.false_positive_tags');
  });

  it('--mode wins over MEDIC_MODE, and a bad one is named', () => {
    expect(buildConfig({}, { env: { MEDIC_MODE: 'live' }, cwd: repoRoot, file: null, mode: 'observer' }).mode).toBe('observer');
    expect(configError(() => buildConfig({}, { env: { MEDIC_MODE: 'chaos' }, cwd: repoRoot, file: null })).message).toContain('MEDIC_MODE');
  });

  it('relative paths resolve against the directory the command started in', () => {
    const config = loadConfig({ path: 'config/medic.yaml', env, cwd: repoRoot });
    expect(config.file).toBe(medicYaml);
    expect(config.databasePath).toBe(join(repoRoot, 'data', 'outcomes.db'));
    const elsewhere = buildConfig({}, { env, cwd: '/srv/medic', file: null });
    expect(elsewhere.databasePath).toBe('/srv/medic/data/outcomes.db');
  });

  it('MEDIC_CONFIG_PATH selects the file; a missing file and bad YAML are clear errors', () => {
    expect(loadConfig({ env: { MEDIC_CONFIG_PATH: demoYaml }, cwd: repoRoot }).mode).toBe('live');
    expect(configError(() => loadConfig({ path: 'nope.yaml', env, cwd: repoRoot })).message).toContain('nope.yaml');
  });
});
