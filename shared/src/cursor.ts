/**
 * Cursors are stream ids of the form `<milliseconds>-<sequence>` on both stores (Redis Streams
 * ids, and the embedded store mints the same shape), so any two can be ordered the same way.
 */
export const START_CURSOR = '0-0';

const cursorPattern = /^(\d{1,16})-(\d{1,16})$/;

export function isCursor(value: string): boolean {
  return cursorPattern.test(value);
}

function parts(cursor: string): [bigint, bigint] {
  const match = cursorPattern.exec(cursor);
  if (!match?.[1] || !match[2]) throw new TypeError(`not a cursor: ${cursor}`);
  return [BigInt(match[1]), BigInt(match[2])];
}

/** Negative when a is before b, zero when equal, positive when after. */
export function compareCursor(a: string, b: string): number {
  const [am, as] = parts(a);
  const [bm, bs] = parts(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}
