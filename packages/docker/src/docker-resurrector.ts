import { performance } from 'node:perf_hooks';
import { DEFAULT_KILL_WINDOW_SECONDS, HEALTH_TIMEOUT_LABEL, readHealthTimeoutLabel, verifyKill } from '@medic/domain';
import type {
  ContainerState,
  DependencyStatus,
  LabelNotes,
  ContainerHealth,
  FailureReason,
  ResurrectionResult,
  ResurrectionTarget,
  ResurrectOptions,
  Resurrector,
} from '@medic/domain';
import type { DockerClient, DockerContainerDetails, DockerContainerHandle } from './docker-client';
import { classifyDockerError, describeError } from './docker-errors';
import { hasHealthCheck, readHealth } from './health-state';
import { locateContainer } from './locate';

export interface DockerResurrectorOptions {
  readonly docker: DockerClient;
  /** resurrection.require_label: only touch containers labelled medic.enable=true (opt-in). */
  readonly requireLabel?: boolean;
  /** Seconds Docker waits after SIGTERM before SIGKILL, for restart and rollback. */
  readonly stopGraceSeconds?: number;
  /** Pause between two looks at a starting container's health. */
  readonly healthCheckIntervalMs?: number;
  /** How long a container with a health check may take to become healthy before it is rolled back. */
  readonly healthCheckTimeoutMs?: number;
  /** How long a container without a health check must keep running to count as up. */
  readonly stabilityWindowMs?: number;
  /** Further attempts after a start (or restart) call the engine refused. */
  readonly maxRetryAttempts?: number;
  /** How long the engine may take to answer a ping before it counts as unavailable. */
  readonly pingTimeoutMs?: number;
  /** resurrection.verify_kill: before touching a container, check that the engine agrees the reported kill happened. */
  readonly verifyKill?: boolean;
  /** Tolerance around the reported kill time for verifyKill. */
  readonly killWindowMs?: number;
  /** Monotonic milliseconds, for time_to_healthy and the health deadline. */
  readonly now?: () => number;
}

type Settings = Required<Omit<DockerResurrectorOptions, 'docker'>>;

const DEFAULTS: Settings = {
  requireLabel: false,
  stopGraceSeconds: 10,
  healthCheckIntervalMs: 500,
  healthCheckTimeoutMs: 60_000,
  stabilityWindowMs: 1000,
  maxRetryAttempts: 2,
  pingTimeoutMs: 1500,
  verifyKill: false,
  killWindowMs: DEFAULT_KILL_WINDOW_SECONDS * 1000,
  now: () => performance.now(),
};

/** Docker's time for "never". */
const ZERO_TIME = /^0001-01-01T/;
/** resurrect() without options: restart the container, whatever its state. */
const RESTART: ResurrectOptions = { restartIfRunning: true };

/** What one resurrection has done so far, for the result whichever way it ends. */
interface Progress {
  readonly startedAt: number;
  action: ResurrectionResult['action'];
  containerId: string | null;
  /** What verify_kill found, when it ran. */
  verification?: string;
  /** What the container's labels did. */
  labels?: LabelNotes;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Resurrects containers through the Docker Engine API (ARCHITECTURE.md, Pipeline). */
export class DockerResurrector implements Resurrector {
  private readonly docker: DockerClient;
  private readonly settings: Settings;

  constructor(options: DockerResurrectorOptions) {
    const { docker, ...given } = options;
    this.docker = docker;
    // An option passed as undefined (e.g. unset in the configuration) keeps its default.
    this.settings = { ...DEFAULTS, ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) };
  }

  async resurrect(target: ResurrectionTarget, options?: ResurrectOptions): Promise<ResurrectionResult> {
    const progress: Progress = { startedAt: this.settings.now(), action: 'none', containerId: null };
    let result: ResurrectionResult;
    try {
      result = await this.run(target, options ?? RESTART, progress);
    } catch (error) {
      result = fromDockerError(error);
    }
    const verification = result.verification ?? progress.verification;
    const labels = result.labels ?? progress.labels;
    return {
      ...result,
      action: progress.action,
      containerId: result.containerId ?? progress.containerId,
      ...(verification ? { verification } : {}),
      ...(labels ? { labels } : {}),
    };
  }

  private async run(target: ResurrectionTarget, options: ResurrectOptions, progress: Progress): Promise<ResurrectionResult> {
    const { restartIfRunning, admit } = options;
    // The ping and the look-up go out together: the ping only bounds how long an engine that does not answer can hold us.
    const locating = locateContainer(this.docker, target, this.settings.requireLabel);
    locating.catch(() => undefined);
    const ping = await this.ping();
    if (ping !== null) return failure('docker_unavailable', `Docker engine not reachable: ${ping}`);
    const located = await locating;
    if (!located.ok) {
      const { label } = located.error;
      const labels = label ? (label.warning ? { applied: [], ignored: [label.sentence] } : { applied: [`${label.sentence}: nothing was restarted`], ignored: [] }) : null;
      return { ...failure(located.error.reason, located.error.message), ...(labels ? { labels } : {}) };
    }
    const { id, name, details } = located.value;
    progress.containerId = id;
    if (admit && !admit(name, located.value.labels)) {
      return { outcome: 'withdrawn', action: 'none', containerId: id, healthStatus: null, timeToHealthy: null, error: null, message: null };
    }
    const healthTimeoutMs = this.healthTimeout(name, located.value.labels, progress);
    const container = this.docker.getContainer(id);
    let before = details ?? (await container.inspect());
    // A re-check (restartIfRunning false) only waits on a running container, so only a stopped one is judged then.
    if (this.settings.verifyKill && (!before.State.Running || restartIfRunning)) {
      before = await this.settled(container, before, healthTimeoutMs);
      const verdict = verifyKill(containerState(name, before), target.killedAt, this.settings.killWindowMs);
      if (!verdict.proceed) {
        const healthStatus = !before.State.Running ? null : hasHealthCheck(before) ? 'healthy' : 'none';
        return { outcome: verdict.outcome, action: 'none', containerId: id, healthStatus, timeToHealthy: null, error: null, message: null, verification: verdict.verification };
      }
      progress.verification = verdict.verification;
    }
    progress.action = before.State.Running ? (restartIfRunning ? 'restart' : 'none') : 'start';
    const refused = await this.bringUp(container, progress.action, name);
    return refused ?? this.prove(container, progress.action, name, before, progress.startedAt, healthTimeoutMs);
  }

  /** The container's health timeout: its medic.health-timeout label when usable (noted in progress), else the configured one. */
  private healthTimeout(name: string, labels: Readonly<Record<string, string>>, progress: Progress): number {
    const configured = this.settings.healthCheckTimeoutMs;
    const reading = readHealthTimeoutLabel(name, labels);
    if (reading.status === 'absent') return configured;
    if (reading.status === 'invalid') {
      progress.labels = { applied: [], ignored: [reading.warning] };
      return configured;
    }
    const applied = `label ${HEALTH_TIMEOUT_LABEL}=${reading.value} on container ${name} set the health timeout to ${reading.value} s (configured: ${configured / 1000} s)`;
    progress.labels = { applied: [applied], ignored: [] };
    return reading.value * 1000;
  }

  /** The container once a running one's health check has decided (healthy or unhealthy), or the health timeout passed. */
  private async settled(container: DockerContainerHandle, details: DockerContainerDetails, healthTimeoutMs: number): Promise<DockerContainerDetails> {
    const deadline = this.settings.now() + healthTimeoutMs;
    let current = details;
    while (current.State.Running && hasHealthCheck(current) && readHealth(current) === 'starting' && this.settings.now() < deadline) {
      await sleep(Math.min(this.settings.healthCheckIntervalMs, deadline - this.settings.now()));
      current = await container.inspect();
    }
    return current;
  }

  async health(): Promise<DependencyStatus> {
    const problem = await this.ping();
    return problem === null ? { status: 'up', detail: 'Docker engine answers' } : { status: 'down', detail: `Docker engine not reachable: ${problem}` };
  }

  /** null when the engine answers within pingTimeoutMs, else why not. */
  private async ping(): Promise<string | null> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve(`no answer to ping within ${this.settings.pingTimeoutMs} ms`);
      }, this.settings.pingTimeoutMs);
    });
    const answer = this.docker.ping({ abortSignal: controller.signal }).then(
      () => null,
      (error: unknown) => describeError(error),
    );
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts or restarts the container, retrying a refused call up to maxRetryAttempts times; a failure result when it never went through. */
  private async bringUp(container: DockerContainerHandle, action: ResurrectionResult['action'], name: string): Promise<ResurrectionResult | null> {
    if (action === 'none') return null;
    const attempts = 1 + this.settings.maxRetryAttempts;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        // A retry after a failed restart starts the container: the restart's stop has usually happened.
        if (action === 'restart' && attempt === 1) await container.restart({ t: this.settings.stopGraceSeconds });
        else await container.start();
        return null;
      } catch (error) {
        const kind = classifyDockerError(error);
        if (kind === 'not_modified') return null; // already running
        if (kind !== 'rejected') throw error;
        lastError = error;
        if (attempt < attempts) await sleep(this.settings.healthCheckIntervalMs);
      }
    }
    return failure('start_failed', `${action} of ${name} failed after ${attempts} attempt(s): ${describeError(lastError)}`);
  }

  /** Proves the container came up: healthy within the timeout, or still running after the stability window. */
  private async prove(
    container: DockerContainerHandle,
    action: ResurrectionResult['action'],
    name: string,
    before: DockerContainerDetails,
    startedAt: number,
    healthTimeoutMs: number,
  ): Promise<ResurrectionResult> {
    const first = await container.inspect();
    const id = first.Id;
    if (!first.State.Running || first.State.Restarting) {
      return { ...failure('start_failed', `${name} is not running after ${action}: ${describeState(first)}`), containerId: id };
    }
    if (action === 'restart' && first.State.StartedAt === before.State.StartedAt) {
      return { ...failure('start_failed', `${name} was not restarted (its start time did not change)`), containerId: id };
    }
    if (!hasHealthCheck(first) && !hasHealthCheck(before)) return this.awaitStable(container, name, first, startedAt);
    return this.awaitHealthy(container, name, first, startedAt, healthTimeoutMs);
  }

  private async awaitStable(container: DockerContainerHandle, name: string, first: DockerContainerDetails, startedAt: number): Promise<ResurrectionResult> {
    const runningAfter = this.elapsedSeconds(startedAt);
    await sleep(this.settings.stabilityWindowMs);
    const later = await container.inspect();
    if (!later.State.Running || later.State.Restarting || later.State.StartedAt !== first.State.StartedAt) {
      return {
        ...failure('start_failed', `${name} did not stay up for the ${this.settings.stabilityWindowMs} ms stability window: ${describeState(later)}`),
        containerId: first.Id,
      };
    }
    return { outcome: 'success', action: 'none', containerId: first.Id, healthStatus: 'none', timeToHealthy: runningAfter, error: null, message: null };
  }

  /** Waits for health, starting from the inspection prove() just made (its first look), then one look per interval. */
  private async awaitHealthy(container: DockerContainerHandle, name: string, first: DockerContainerDetails, startedAt: number, healthCheckTimeoutMs: number): Promise<ResurrectionResult> {
    const { healthCheckIntervalMs } = this.settings;
    const deadline = this.settings.now() + healthCheckTimeoutMs;
    const id = first.Id;
    for (let details = first; ; details = await container.inspect()) {
      if (!details.State.Running) {
        return { ...failure('start_failed', `${name} stopped while waiting for health: ${describeState(details)}`), containerId: id };
      }
      const reading = readHealth(details);
      if (reading === 'healthy') {
        return { outcome: 'success', action: 'none', containerId: id, healthStatus: 'healthy', timeToHealthy: this.elapsedSeconds(startedAt), error: null, message: null };
      }
      if (reading === 'unhealthy') return this.rollback(container, id, 'unhealthy', 'unhealthy', `${name} reported unhealthy`);
      const remaining = deadline - this.settings.now();
      if (remaining <= 0) {
        return this.rollback(container, id, 'health_timeout', 'starting', `${name} was not healthy within ${healthCheckTimeoutMs} ms`);
      }
      await sleep(Math.min(healthCheckIntervalMs, remaining));
    }
  }

  /** Stops a container that came back unhealthy; outcome rollback either way, the message says if stopping failed. */
  private async rollback(
    container: DockerContainerHandle,
    id: string,
    error: Extract<FailureReason, 'unhealthy' | 'health_timeout'>,
    healthStatus: ContainerHealth,
    why: string,
  ): Promise<ResurrectionResult> {
    let message = `${why}; stopped it again`;
    try {
      await container.stop({ t: this.settings.stopGraceSeconds });
    } catch (stopError) {
      if (classifyDockerError(stopError) !== 'not_modified') message = `${why}; stopping it failed: ${describeError(stopError)}`;
    }
    return { outcome: 'rollback', action: 'none', containerId: id, healthStatus, timeToHealthy: null, error, message };
  }

  private elapsedSeconds(since: number): number {
    return Math.max(0, Math.round(this.settings.now() - since)) / 1000;
  }
}

function failure(error: FailureReason, message: string): ResurrectionResult {
  return { outcome: 'failure', action: 'none', containerId: null, healthStatus: null, timeToHealthy: null, error, message };
}

function fromDockerError(error: unknown): ResurrectionResult {
  switch (classifyDockerError(error)) {
    case 'unreachable':
      return failure('docker_unavailable', `Docker engine not reachable: ${describeError(error)}`);
    case 'not_found':
      return failure('container_not_found', `the container disappeared: ${describeError(error)}`);
    default: {
      const fromEngine = typeof (error as { statusCode?: unknown } | null)?.statusCode === 'number';
      return failure('start_failed', `${fromEngine ? 'Docker refused' : 'unexpected error'}: ${describeError(error)}`);
    }
  }
}

/** What verify_kill needs to know about a container, from its inspection. */
function containerState(name: string, details: DockerContainerDetails): ContainerState {
  const time = (value: string | undefined): string | null => (value === undefined || value === '' || ZERO_TIME.test(value) ? null : value);
  const health = !hasHealthCheck(details) ? 'none' : readHealth(details);
  return { name, running: details.State.Running && !details.State.Restarting, health, startedAt: time(details.State.StartedAt), finishedAt: time(details.State.FinishedAt) };
}

function describeState(details: DockerContainerDetails): string {
  const { Status, ExitCode } = details.State;
  return Status === 'exited' ? `exited with code ${ExitCode}` : Status;
}
