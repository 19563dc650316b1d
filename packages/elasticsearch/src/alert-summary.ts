import { err, ok } from '@medic/domain';
import type { Result } from '@medic/domain';
import { AGG } from './alert-query';

/** The figures of one alerts search, before they are judged. */
export interface AlertSummary {
  readonly total: number;
  /** Highest kibana.alert.risk_score (0–100); null when no alert carries one. */
  readonly maxRiskScore: number | null;
  /** Mean kibana.alert.risk_score (0–100); null when no alert carries one. */
  readonly avgRiskScore: number | null;
  /** Alert count per kibana.alert.workflow_status. */
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly falsePositiveCount: number;
  readonly threatMatchCount: number;
  readonly indicators: readonly string[];
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** hits.total is a number with rest_total_hits_as_int and {value, relation} otherwise. */
function readTotal(hits: unknown): number | null {
  if (!isRecord(hits)) return null;
  const total = hits['total'];
  return isRecord(total) ? finite(total['value']) : finite(total);
}

/** A metric aggregation's value; Elasticsearch answers null when no document has the field. */
function readMetric(aggs: Json, name: string): number | null {
  const agg = aggs[name];
  return isRecord(agg) ? finite(agg['value']) : null;
}

/** A single-bucket (filter) aggregation's document count. */
function readDocCount(aggs: Json, name: string): number {
  const agg = aggs[name];
  return isRecord(agg) ? (finite(agg['doc_count']) ?? 0) : 0;
}

/** Bucket keys and counts; buckets come as an array or, with `keyed`, as an object by key. */
function readBuckets(agg: unknown): Array<{ key: string; count: number }> {
  if (!isRecord(agg)) return [];
  const buckets = agg['buckets'];
  if (Array.isArray(buckets)) {
    return buckets.flatMap((bucket: unknown) => {
      if (!isRecord(bucket)) return [];
      const key = bucket['key_as_string'] ?? bucket['key'];
      if (typeof key !== 'string' && typeof key !== 'number') return [];
      return [{ key: String(key), count: finite(bucket['doc_count']) ?? 0 }];
    });
  }
  if (isRecord(buckets)) {
    return Object.entries(buckets).map(([key, bucket]) => ({ key, count: isRecord(bucket) ? (finite(bucket['doc_count']) ?? 0) : 0 }));
  }
  return [];
}

/** Reads the search answer of buildAlertSearch; an error names what is missing. */
export function readAlertSummary(body: unknown): Result<AlertSummary, string> {
  if (!isRecord(body)) return err('the answer is not a JSON object');
  // Counts from some shards only would undercount; the request asks Elasticsearch to fail instead, this guards the answer.
  const shards = body['_shards'];
  const failedShards = isRecord(shards) ? (finite(shards['failed']) ?? 0) : 0;
  if (failedShards > 0) return err(`${failedShards} of ${isRecord(shards) ? String(shards['total']) : '?'} shards failed`);
  const total = readTotal(body['hits']);
  if (total === null) return err('the answer has no hits.total');
  const aggs = isRecord(body['aggregations']) ? body['aggregations'] : {};
  const statusCounts: Record<string, number> = {};
  for (const { key, count } of readBuckets(aggs[AGG.statuses])) statusCounts[key] = (statusCounts[key] ?? 0) + count;
  const enrichments = aggs[AGG.enrichments];
  const indicators = readBuckets(isRecord(enrichments) ? enrichments[AGG.indicators] : undefined)
    .filter(({ count }) => count > 0)
    .map(({ key }) => key);
  return ok({
    total,
    maxRiskScore: readMetric(aggs, AGG.maxRisk),
    avgRiskScore: readMetric(aggs, AGG.avgRisk),
    statusCounts,
    falsePositiveCount: readDocCount(aggs, AGG.falsePositives),
    threatMatchCount: readDocCount(aggs, AGG.threatMatches),
    indicators,
  });
}
