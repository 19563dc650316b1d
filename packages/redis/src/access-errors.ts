import { messageOf } from './error-message';

/** A connection failure that retrying cannot cure: the configuration (credentials, certificate, permissions) is wrong. */
export interface AccessFailure {
  readonly code: 'redis_auth_failed' | 'redis_tls_failed' | 'redis_permission_denied';
  /** What went wrong and what to fix, naming Redis. */
  readonly message: string;
}

/** OpenSSL's and Node's codes for a certificate chain or name the client does not accept. */
const CERTIFICATE_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** Classifies an error of a Redis connection; null when it may pass by itself (unreachable, reset, timed out). */
export function accessFailure(error: unknown, endpoint: string): AccessFailure | null {
  const message = messageOf(error);
  const code = typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : '';
  if (/\b(WRONGPASS|NOAUTH)\b/.test(message) || /invalid (username-)?password/i.test(message)) {
    return {
      code: 'redis_auth_failed',
      message: `Redis at ${endpoint} refused Medic's credentials (${message.trim()}); check the user and password in REDIS_URL`,
    };
  }
  if (/\bNOPERM\b/.test(message)) {
    return {
      code: 'redis_permission_denied',
      message: `Redis at ${endpoint} denied a command Medic needs (${message.trim()}); grant the ACL the README's Security section lists`,
    };
  }
  if (CERTIFICATE_CODES.has(code)) {
    return {
      code: 'redis_tls_failed',
      message: `Redis at ${endpoint} presented a TLS certificate Medic does not trust (${code}: ${message}); set smith.event_bus.tls.ca_file to the CA that signed it`,
    };
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') {
    return {
      code: 'redis_tls_failed',
      message: `TLS with Redis at ${endpoint} failed (${code}: ${message}); is the port a TLS port, and the URL rediss://?`,
    };
  }
  return null;
}
