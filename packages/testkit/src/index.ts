// Test-only entry point (jest globals; never built): the shared contract suite of every port.
export { clockContract } from './clock-contract';
export type { ClockHarness } from './clock-contract';
export { killSourceContract } from './kill-source-contract';
export type { KillSourceHarness } from './kill-source-contract';
export { notificationOutboxContract } from './notification-outbox-contract';
export type { NotificationOutboxHarness } from './notification-outbox-contract';
export { outcomeRepoContract } from './outcome-repo-contract';
export type { OutcomeRepoHarness } from './outcome-repo-contract';
export { resurrectorContract } from './resurrector-contract';
export type { ResurrectorHarness } from './resurrector-contract';
export { threatIntelContract } from './threat-intel-contract';
export type { ThreatIntelHarness } from './threat-intel-contract';
