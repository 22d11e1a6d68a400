import { mkdirSync, openSync, readFileSync, ftruncateSync, closeSync, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * An append-only file of JSON lines. `append` resolves once the line is on disk (fdatasync);
 * lines appended while a flush is running are written and synced together (group commit), so
 * a burst of writes costs one sync, not one each.
 */
export interface AppendLog {
  append(record: unknown): Promise<void>;
  close(): Promise<void>;
}

/**
 * Opens the log for appending and hands back every record persisted so far, in order, once: the
 * caller replays them and the log keeps none in memory. A torn last line (a crash mid-write,
 * never acknowledged) is dropped from the file.
 */
export async function openAppendLog(dir: string, name = 'store.log'): Promise<{ log: AppendLog; records: unknown[] }> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  const records = existsSync(path) ? readRecords(path) : [];
  const handle = await open(path, 'a');
  return { log: createWriter(handle), records };
}

function readRecords(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  const records: unknown[] = [];
  let offset = 0;
  while (offset < text.length) {
    const end = text.indexOf('\n', offset);
    if (end === -1) break; // torn tail: never acknowledged, safe to drop
    records.push(JSON.parse(text.slice(offset, end)));
    offset = end + 1;
  }
  if (offset < text.length) {
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, Buffer.byteLength(text.slice(0, offset)));
    closeSync(fd);
  }
  return records;
}

function createWriter(handle: FileHandle): AppendLog {
  let queue: { line: string; done: (error?: unknown) => void }[] = [];
  let flushing: Promise<void> | null = null;
  let failure: unknown = null;
  let closed = false;

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await handle.write(batch.map((item) => item.line).join(''));
        await handle.datasync();
        for (const item of batch) item.done();
      } catch (error) {
        // A failed write or sync leaves the file in an unknown state: refuse everything after.
        failure = error;
        for (const item of [...batch, ...queue]) item.done(error);
        queue = [];
      }
    }
    flushing = null;
  }

  return {
    append(record) {
      if (closed) return Promise.reject(new Error('append log is closed'));
      if (failure) return Promise.reject(toError(failure));
      const line = `${JSON.stringify(record)}\n`;
      return new Promise<void>((resolve, reject) => {
        queue.push({ line, done: (error) => (error ? reject(toError(error)) : resolve()) });
        flushing ??= flush();
      });
    },
    async close() {
      closed = true;
      if (flushing) await flushing;
      await handle.close();
    },
  };
}

const toError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));
