/** Opens harnesses inside a contract's describe block and cleans every one up after each test, even a failed one. */
export function harnessPool<H extends { cleanup(): Promise<void> }>(make: () => Promise<H>): () => Promise<H> {
  const open: H[] = [];
  afterEach(async () => {
    const results = await Promise.allSettled(open.splice(0).map((h) => h.cleanup()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  });
  return async () => {
    const h = await make();
    open.push(h);
    return h;
  };
}
