import type { estypes } from '@elastic/elasticsearch';

/** Elastic Security's alerts indices, every Kibana space. */
export const DEFAULT_ALERTS_INDEX = '.alerts-security.alerts-*';
export const DEFAULT_LOOKBACK_HOURS = 24;
/** Kibana's default tag for alerts closed as false positives; the tag is editable and translated, hence configurable. */
export const DEFAULT_FALSE_POSITIVE_TAGS: readonly string[] = ['False Positive'];

/**
 * Sent with every search so that a pattern matching no index, a missing index, an index the key may not read, or failed
 * shards are errors. By default Elasticsearch answers all of these with fewer or no hits, which would read as "no alerts".
 */
export const FAIL_CLOSED = { allow_no_indices: false, ignore_unavailable: false, allow_partial_search_results: false } as const;

/** What a lookup asks about besides the module. */
export interface AlertQuery {
  readonly index: string;
  readonly lookbackHours: number;
  /** Tags in kibana.alert.workflow_tags that mark a closed alert as a false positive. */
  readonly falsePositiveTags: readonly string[];
}

/** The fields an alert may name the module in; any one matching is enough. */
export const MODULE_FIELDS = ['container.name', 'service.name', 'orchestrator.resource.name'] as const;

/** Names of the aggregations in the request, read back by readAlertSummary. */
export const AGG = {
  maxRisk: 'max_risk',
  avgRisk: 'avg_risk',
  statuses: 'statuses',
  falsePositives: 'false_positives',
  threatMatches: 'threat_matches',
  enrichments: 'enrichments',
  indicators: 'indicators',
} as const;

/** Indicators reported per lookup, at most. */
export const MAX_INDICATORS = 20;

/** Elasticsearch date math for the look-back; fractional hours go in whole minutes because date math takes integers. */
export function lookbackFrom(lookbackHours: number): string {
  return Number.isInteger(lookbackHours) ? `now-${lookbackHours}h` : `now-${Math.max(1, Math.round(lookbackHours * 60))}m`;
}

/** The one search per kill: counts only (size 0), exact total, every figure from aggregations. */
export function buildAlertSearch(module: string, { index, lookbackHours, falsePositiveTags }: AlertQuery): estypes.SearchRequest {
  return {
    index,
    ...FAIL_CLOSED,
    size: 0,
    track_total_hits: true,
    query: {
      bool: {
        filter: [
          { range: { '@timestamp': { gte: lookbackFrom(lookbackHours) } } },
          { bool: { should: MODULE_FIELDS.map((field) => ({ term: { [field]: module } })), minimum_should_match: 1 } },
        ],
        // Building-block alerts feed other rules and are hidden in Kibana's alert views.
        must_not: [{ exists: { field: 'kibana.alert.building_block_type' } }],
      },
    },
    aggs: {
      [AGG.maxRisk]: { max: { field: 'kibana.alert.risk_score' } },
      [AGG.avgRisk]: { avg: { field: 'kibana.alert.risk_score' } },
      [AGG.statuses]: { terms: { field: 'kibana.alert.workflow_status', size: 10 } },
      [AGG.falsePositives]: {
        filter: {
          bool: {
            filter: [{ term: { 'kibana.alert.workflow_status': 'closed' } }],
            should: [
              // Kibana 9.2+ records the closing reason; older versions only have the tag.
              { term: { 'kibana.alert.workflow_reason': 'false_positive' } },
              ...(falsePositiveTags.length > 0 ? [{ terms: { 'kibana.alert.workflow_tags': [...falsePositiveTags] } }] : []),
            ],
            minimum_should_match: 1,
          },
        },
      },
      [AGG.threatMatches]: { filter: { term: { 'kibana.alert.rule.type': 'threat_match' } } },
      [AGG.enrichments]: {
        // threat.enrichments is a nested field in the alerts mapping.
        nested: { path: 'threat.enrichments' },
        aggs: { [AGG.indicators]: { terms: { field: 'threat.enrichments.matched.atomic', size: MAX_INDICATORS } } },
      },
    },
  };
}

/** The health probe: a search of the alerts index that counts nothing, so the `read` privilege the lookups need is enough. */
export function buildHealthSearch(index: string): estypes.SearchRequest {
  return { index, ...FAIL_CLOSED, size: 0, track_total_hits: false };
}
