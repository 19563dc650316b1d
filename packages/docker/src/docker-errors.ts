/** Socket and network error codes that mean the engine cannot be reached at all. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENOTCONN',
  'ECONNABORTED',
]);

/** What a failed engine call means for a resurrection. */
export type DockerFailure = 'unreachable' | 'not_found' | 'not_modified' | 'rejected';

/** Classifies an error thrown by a Docker client call. */
export function classifyDockerError(error: unknown): DockerFailure {
  if (typeof error !== 'object' || error === null) return 'rejected';
  const { code, statusCode, name } = error as { code?: unknown; statusCode?: unknown; name?: unknown };
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return 'unreachable';
  if (name === 'AbortError' || name === 'TimeoutError') return 'unreachable';
  if (statusCode === 404) return 'not_found';
  if (statusCode === 304) return 'not_modified';
  return 'rejected';
}

/** A one-line description of an error for result messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = error.message.replace(/\s+/g, ' ').trim();
    return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
  }
  return String(error);
}
