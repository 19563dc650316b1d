export { createAgent } from './agent';
export type { Agent, AgentDeps } from './agent';
export { createApi } from './api';
export type { ApiDeps, HealthReport } from './api';
export { buildConfig, loadConfig } from './config';
export type { AgentConfig, LoadConfigOptions } from './config';
export { createLogger } from './logger';
export type { Logger } from './logger';
export { SystemClock } from './system-clock';
