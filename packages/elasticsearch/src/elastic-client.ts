import type { estypes } from '@elastic/elasticsearch';

/** Per-request transport options the adapter sets on every call. */
export interface ElasticRequestOptions {
  readonly requestTimeout?: number;
  readonly maxRetries?: number;
  readonly signal?: AbortSignal;
}

/** The slice of the @elastic/elasticsearch Client that ElasticThreatIntel uses, so a client can be injected. */
export interface ElasticSearchClient {
  /** Runs one search; the answer is read defensively, so it is typed as unknown here. */
  search(params: estypes.SearchRequest, options?: ElasticRequestOptions): Promise<unknown>;
  /** Releases the client's connections; optional so a bare fake client fits. */
  close?(): Promise<void>;
}
