export { DockerResurrector } from './docker-resurrector';
export type { DockerResurrectorOptions } from './docker-resurrector';
export { createDockerClient, parseDockerHost, DEFAULT_DOCKER_SOCKET, DEFAULT_REQUEST_TIMEOUT_MS } from './docker-client';
export type { DockerClient, DockerClientOptions, DockerConnection, DockerContainerHandle, DockerContainerDetails, DockerContainerSummary, DockerHealthLogEntry } from './docker-client';
