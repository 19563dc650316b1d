export { ElasticThreatIntel, DEFAULT_REQUEST_TIMEOUT_MS } from './elastic-threat-intel';
export type { ElasticThreatIntelOptions } from './elastic-threat-intel';
export { createElasticThreatIntel, createElasticClient } from './create-elastic-threat-intel';
export type { ElasticConnectionOptions, ElasticThreatIntelConfig } from './create-elastic-threat-intel';
export type { ElasticSearchClient, ElasticRequestOptions } from './elastic-client';
export { buildAlertSearch, buildHealthSearch, DEFAULT_ALERTS_INDEX, DEFAULT_FALSE_POSITIVE_TAGS, DEFAULT_LOOKBACK_HOURS, FAIL_CLOSED } from './alert-query';
export type { AlertQuery } from './alert-query';
export { toThreatContext, NO_ALERTS_RISK, UNSCORED_ALERTS_RISK, DENY_RISK, REVIEW_RISK } from './threat-context';
