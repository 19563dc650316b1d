/** Longest reason kept from an error; Elasticsearch error bodies can be long. */
const MAX_REASON = 300;

const oneLine = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON - 1)}…` : flat;
};

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
      return `Elasticsearch answered HTTP ${typeof statusCode === 'number' ? statusCode : '?'}: ${oneLine(error.message)}`;
    default:
      return `Elasticsearch request failed: ${error.name}: ${oneLine(error.message)}`;
  }
}
