import { randomFillSync } from 'node:crypto';

const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Random bytes drawn 4 KiB at a time: one system call per 409 ids. */
const pool = Buffer.alloc(4090);
let used = pool.length;
/** Where each id is assembled as ASCII, then read out as one string. */
const text = Buffer.alloc(36);
/** Where the dashes of the 8-4-4-4-12 form go. */
const DASHES = new Set([4, 6, 8, 10]);

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits, so ids made later sort later. Records'
 * ids then land at the end of the store's unique index instead of on a random page of it, which a group commit would
 * otherwise write back whole, page after page. Assembled in one buffer: two ids per record are on the hot path.
 */
export function timeOrderedId(now: number = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const bytes = [
    Math.floor(now / 2 ** 40) & 0xff,
    Math.floor(now / 2 ** 32) & 0xff,
    (now >>> 24) & 0xff,
    (now >>> 16) & 0xff,
    (now >>> 8) & 0xff,
    now & 0xff,
    0x70 | (pool[used]! & 0x0f), // version 7
    pool[used + 1]!,
    0x80 | (pool[used + 2]! & 0x3f), // variant 10
  ];
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (DASHES.has(i)) text[at++] = 0x2d;
    const byte = i < bytes.length ? bytes[i]! : pool[used + i - 6]!;
    text[at++] = HEX[byte >> 4]!;
    text[at++] = HEX[byte & 15]!;
  }
  used += 10;
  return text.toString('latin1', 0, 36);
}
