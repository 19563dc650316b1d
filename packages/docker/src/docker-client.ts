import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Modem from 'docker-modem';
import { err, MedicError, ok } from '@medic/domain';
import type { Result } from '@medic/domain';

/** One health-probe run as Docker records it in State.Health.Log. */
export interface DockerHealthLogEntry {
  readonly Start: string;
  readonly ExitCode: number;
}

/** The part of `GET /containers/{id}/json` the resurrector reads. */
export interface DockerContainerDetails {
  readonly Id: string;
  readonly Name: string;
  readonly State: {
    readonly Status: string;
    readonly Running: boolean;
    readonly Restarting: boolean;
    readonly ExitCode: number;
    readonly StartedAt: string;
    /** When the last run ended; Docker's zero time (0001-01-01T00:00:00Z) if it never did. */
    readonly FinishedAt?: string;
    readonly Health?: { readonly Status: string; readonly Log?: readonly DockerHealthLogEntry[] | null } | null;
  };
  readonly Config: {
    /** Docker sends null when a container has no labels. */
    readonly Labels?: Readonly<Record<string, string>> | null;
    readonly Healthcheck?: { readonly Test?: readonly string[] } | null;
  };
}

/** The part of a `GET /containers/json` entry the resurrector reads. */
export interface DockerContainerSummary {
  readonly Id: string;
  /** Names with Docker's leading slash, e.g. "/web". */
  readonly Names: readonly string[];
  readonly Labels?: Readonly<Record<string, string>> | null;
}

/** The container operations the resurrector uses. */
export interface DockerContainerHandle {
  /** Current configuration and state. */
  inspect(): Promise<DockerContainerDetails>;
  /** Starts a created or exited container. */
  start(): Promise<unknown>;
  /** Stops (waiting `t` seconds before SIGKILL) and starts again. */
  restart(options: { t: number }): Promise<unknown>;
  /** Stops, waiting `t` seconds before SIGKILL. */
  stop(options: { t: number }): Promise<unknown>;
}

/** The slice of the Engine API the resurrector uses, so a client can be injected (dockerode's `Docker` satisfies it too). */
export interface DockerClient {
  /** Answers when the engine is reachable. */
  ping(options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  /** Containers matching the filters (a map of filter name to values, as the Engine API takes them). */
  listContainers(options: { all: boolean; filters: Record<string, string[]> }): Promise<DockerContainerSummary[]>;
  /** A handle on one container by id or name; does not touch the engine. */
  getContainer(id: string): DockerContainerHandle;
}

/** Where the engine listens, parsed from a DOCKER_HOST value. */
export type DockerConnection =
  | { readonly kind: 'socket'; readonly socketPath: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly tls: boolean };

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * Parses DOCKER_HOST the way docker-modem does: empty → the default socket, `unix:///path`,
 * `tcp://host:port` (also `http://`, `https://` or a bare `host:port`); TLS for `https://`, port 2376 or DOCKER_TLS_VERIFY=1.
 */
export function parseDockerHost(value: string | undefined, env: NodeJS.ProcessEnv = process.env): Result<DockerConnection, string> {
  if (value === undefined || value === '') return ok({ kind: 'socket', socketPath: DEFAULT_DOCKER_SOCKET });
  if (value.startsWith('unix://')) return ok({ kind: 'socket', socketPath: value.slice('unix://'.length) || DEFAULT_DOCKER_SOCKET });
  const withScheme = value.includes('//') ? value : `tcp://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return err(`DOCKER_HOST "${value}" is not a URL; expected unix:///path/to/docker.sock or tcp://host:port`);
  }
  if (!['tcp:', 'http:', 'https:'].includes(url.protocol)) {
    return err(`DOCKER_HOST scheme "${url.protocol}" is not supported; expected unix:// or tcp://`);
  }
  const port = url.port === '' ? (url.protocol === 'https:' ? 2376 : 2375) : Number(url.port);
  const tls = url.protocol === 'https:' || port === 2376 || env.DOCKER_TLS_VERIFY === '1';
  // URL keeps the brackets of an IPv6 literal; Node's http wants the bare address.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') return err(`DOCKER_HOST "${value}" names no host`);
  return ok({ kind: 'tcp', host, port, tls });
}

export interface DockerClientOptions {
  /**
   * How long one engine request may go without an answer before it fails as unreachable (a hung engine is an outage, which
   * the caller retries); must exceed the longest wait the engine itself makes, such as a restart's stop grace period.
   */
  readonly requestTimeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Builds a client from a DOCKER_HOST value (default: the DOCKER_HOST variable), every request under one time limit;
 * throws MedicError "invalid_docker_host" for a value it cannot use. It speaks through docker-modem, the transport dockerode
 * itself uses, with dockerode's paths and status codes: loading dockerode would also load its BuildKit session (gRPC and
 * protobuf), about 6 MB of heap in an agent that only inspects, lists, starts and stops containers.
 */
export function createDockerClient(dockerHost: string | undefined = process.env.DOCKER_HOST, options: DockerClientOptions = {}): DockerClient {
  const parsed = parseDockerHost(dockerHost);
  if (!parsed.ok) throw new MedicError('invalid_docker_host', parsed.error);
  return new ModemDockerClient(new Modem({ ...modemOptions(parsed.value), timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS }));
}

/** Every connection field is set explicitly, because docker-modem otherwise fills unset ones from the DOCKER_* variables. */
function modemOptions(connection: DockerConnection): Modem.ConstructorOptions {
  if (connection.kind === 'socket') {
    return { socketPath: connection.socketPath, host: undefined, port: undefined, protocol: 'http', ca: undefined, cert: undefined, key: undefined };
  }
  const certPath = process.env.DOCKER_CERT_PATH;
  const certs = connection.tls && certPath ? readCertificates(certPath) : { ca: undefined, cert: undefined, key: undefined };
  return { socketPath: undefined, host: connection.host, port: connection.port, protocol: connection.tls ? 'https' : 'http', ...certs };
}

/** A failed call rejects with docker-modem's error (statusCode, or the socket's code), as dockerode's would. */
class ModemDockerClient implements DockerClient {
  constructor(private readonly modem: Modem) {}

  ping(options: { abortSignal?: AbortSignal } = {}): Promise<unknown> {
    return this.call({ path: '/_ping', method: 'GET', abortSignal: options.abortSignal, statusCodes: { 200: true, 500: 'server error' } });
  }

  listContainers(options: { all: boolean; filters: Record<string, string[]> }): Promise<DockerContainerSummary[]> {
    return this.call({ path: '/containers/json?', method: 'GET', options, statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' } });
  }

  getContainer(id: string): DockerContainerHandle {
    const path = `/containers/${encodeURIComponent(id)}`;
    const post = (action: string, options: object, codes: Record<number, string>): Promise<unknown> =>
      this.call({ path: `${path}/${action}?`, method: 'POST', options, statusCodes: { 200: true, 204: true, 404: 'no such container', 500: 'server error', ...codes } });
    return {
      inspect: () => this.call({ path: `${path}/json?`, method: 'GET', options: {}, statusCodes: { 200: true, 404: 'no such container', 500: 'server error' } }),
      start: () => post('start', {}, { 304: 'container already started' }),
      restart: (options) => post('restart', options, {}),
      stop: (options) => post('stop', options, { 304: 'container already stopped' }),
    };
  }

  private call<T>(dial: Modem.DialOptions & { abortSignal?: AbortSignal | undefined }): Promise<T> {
    return new Promise((resolve, reject) => this.modem.dial(dial, (error, data) => (error ? reject(error) : resolve(data as T))));
  }
}

function readCertificates(dir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  try {
    return { ca: readFileSync(join(dir, 'ca.pem')), cert: readFileSync(join(dir, 'cert.pem')), key: readFileSync(join(dir, 'key.pem')) };
  } catch (cause) {
    throw new MedicError('invalid_docker_host', `cannot read the TLS certificates in DOCKER_CERT_PATH ${dir}: ${String(cause)}`, { cause });
  }
}
