// Framework-free doubles of every port, fixtures and a core wired to them, for domain tests, contract runs, the bench and the simulator.
export { ManualClock } from './manual-clock';
export { InMemoryStream, InMemoryKillSource } from './in-memory-kill-source';
export type { InMemoryKillSourceOptions } from './in-memory-kill-source';
export { InMemoryFleet } from './in-memory-fleet';
export type { FleetContainer, FleetContainerSpec, HealthCheckBehaviour, InMemoryFleetOptions } from './in-memory-fleet';
export { InMemoryOutcomeRepo } from './in-memory-outcome-repo';
export { InMemoryNotificationOutbox } from './in-memory-notification-outbox';
export { StaticThreatIntel } from './static-threat-intel';
export type { StaticThreatIntelOptions } from './static-threat-intel';
export { DEMO_KILL_REPORT, DEMO_KILL_WIRE, FIXTURE_TIME, FLEET_SIGNAL_SAMPLE, HOT_CONTEXT, QUIET_CONTEXT, killEntryFields, learntSignalModel, minutesFrom, sampleRecord, sampleReport } from './fixtures';
export { AUTO_APPROVE_POLICY, createTestCore } from './test-core';
export type { TestCore, TestCoreOptions } from './test-core';
