/** Figures for a fake alerts search answer, in the shape Elasticsearch gives for buildAlertSearch. */
export interface AnswerFigures {
  readonly total?: number;
  /** Answer hits.total as a bare number, as with rest_total_hits_as_int. */
  readonly totalAsNumber?: boolean;
  readonly max?: number | null;
  readonly avg?: number | null;
  readonly statuses?: Readonly<Record<string, number>>;
  readonly falsePositives?: number;
  readonly threatMatches?: number;
  readonly indicators?: Readonly<Record<string, number>>;
  /** Give the buckets as objects by key instead of arrays. */
  readonly keyed?: boolean;
}

const buckets = (counts: Readonly<Record<string, number>>, keyed: boolean): unknown =>
  keyed
    ? Object.fromEntries(Object.entries(counts).map(([key, doc_count]) => [key, { doc_count }]))
    : Object.entries(counts).map(([key, doc_count]) => ({ key, doc_count }));

/** A search answer; unset figures mean no alerts (null metrics, no buckets). */
export function alertsAnswer(figures: AnswerFigures = {}): Record<string, unknown> {
  const total = figures.total ?? 0;
  const keyed = figures.keyed ?? false;
  const indicators = figures.indicators ?? {};
  return {
    took: 3,
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: { total: figures.totalAsNumber ? total : { value: total, relation: 'eq' }, max_score: null, hits: [] },
    aggregations: {
      max_risk: { value: figures.max ?? null },
      avg_risk: { value: figures.avg ?? null },
      statuses: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: buckets(figures.statuses ?? {}, keyed) },
      false_positives: { doc_count: figures.falsePositives ?? 0 },
      threat_matches: { doc_count: figures.threatMatches ?? 0 },
      enrichments: {
        doc_count: Object.values(indicators).reduce((a, b) => a + b, 0),
        indicators: { doc_count_error_upper_bound: 0, sum_other_doc_count: 0, buckets: buckets(indicators, keyed) },
      },
    },
  };
}
