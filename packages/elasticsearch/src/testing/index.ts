// Test-only entry point (never built): the stand-in Elasticsearch node and search answers, for other packages' tests.
export { alertsAnswer } from './alerts-answer';
export type { AnswerFigures } from './alerts-answer';
export { closedPortUrl, startLocalNode, DEFAULT_STAND_IN_INDICES, STAND_IN_KEY_ID, STAND_IN_USER } from './local-node';
export type { LocalNode, LocalNodeOptions, SeenRequest, StandInKey } from './local-node';
