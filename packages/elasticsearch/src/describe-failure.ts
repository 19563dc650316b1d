/** Longest reason kept from an error; Elasticsearch error bodies can be long. */
const MAX_REASON = 300;

const oneLine = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON - 1)}…` : flat;
};

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null;

/** "type: reason (cause type: cause reason)" from an Elasticsearch error body, or null when the body has none. */
function errorOfBody(body: unknown): string | null {
  const error = isRecord(body) ? body['error'] : undefined;
  if (typeof error === 'string') return error;
  if (!isRecord(error) || typeof error['type'] !== 'string') return null;
  const reason = typeof error['reason'] === 'string' ? `: ${error['reason']}` : '';
  const cause = error['caused_by'];
  const causedBy = isRecord(cause) && typeof cause['type'] === 'string' ? ` (${cause['type']}: ${String(cause['reason'] ?? '')})` : '';
  return `${error['type']}${reason}${causedBy}`;
}

/** Plain-English reason for a failed request; reads the client's error names so any copy of the client is understood. */
export function describeFailure(error: unknown, requestTimeoutMs: number): string {
  if (!(error instanceof Error)) return `Elasticsearch request failed: ${oneLine(String(error))}`;
  const statusCode: unknown = (error as { statusCode?: unknown }).statusCode;
  switch (error.name) {
    case 'TimeoutError':
      return `Elasticsearch did not answer within ${requestTimeoutMs} ms (${oneLine(error.message)})`;
    case 'ConnectionError':
    case 'NoLivingConnectionsError':
      return `Elasticsearch unreachable: ${oneLine(error.message)}`;
    case 'ResponseError':
      return `Elasticsearch answered HTTP ${typeof statusCode === 'number' ? statusCode : '?'}: ${oneLine(errorOfBody((error as { body?: unknown }).body) ?? error.message)}`;
    default:
      return `Elasticsearch request failed: ${error.name}: ${oneLine(error.message)}`;
  }
}
