export { DockerResurrector } from './docker-resurrector';
export type { DockerResurrectorOptions } from './docker-resurrector';
export { createDockerClient, parseDockerHost, DEFAULT_DOCKER_SOCKET } from './docker-client';
export type { DockerClient, DockerConnection, DockerContainerHandle, DockerContainerDetails, DockerContainerSummary, DockerHealthLogEntry } from './docker-client';
export { MODULE_LABEL, ENABLE_LABEL } from './locate';
