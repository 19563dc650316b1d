import type { GroupInfo } from '@medic/test-support';

/** Whether every one of `total` entries has been read and acknowledged. */
export function drained(progress: GroupInfo | null, total: number): boolean {
  if (progress === null || progress.pending > 0) return false;
  return progress.lag === 0 || (progress.entriesRead !== null && progress.entriesRead >= total);
}
