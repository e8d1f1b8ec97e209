import { createReadStream } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Input } from './inputs.js';
import { InputReadError, readErrorsTagged } from './read-error.js';

const READ_CHUNK = 1 << 20;

export interface OpenedInput {
  /** Decompressed bytes, in chunks, with backpressure (pull-based). */
  chunks: AsyncIterable<Buffer>;
  gzip: boolean;
}

/**
 * Opens an input (a file or stdin) and yields its bytes, gunzipping when the first bytes are the
 * gzip magic number. `onRawBytes` sees the bytes read from disk, for progress. Failures of the
 * input itself (opening, reading, gunzipping) are InputReadErrors.
 */
export async function openInput(input: Input, onRawBytes: (n: number) => void = () => {}): Promise<OpenedInput> {
  const raw: Readable =
    input.name === '-' ? process.stdin : createReadStream(input.name, { highWaterMark: READ_CHUNK });
  const iterator = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let first: IteratorResult<Buffer>;
  try {
    first = await iterator.next();
  } catch (error) {
    throw new InputReadError(error as NodeJS.ErrnoException);
  }
  const head: Buffer | undefined = first.done ? undefined : Buffer.from(first.value);
  const counted = (async function* () {
    if (head) {
      onRawBytes(head.length);
      yield head;
    }
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      onRawBytes(next.value.length);
      yield next.value;
    }
  })();
  const gzip = head !== undefined && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (!gzip) return { chunks: readErrorsTagged(counted), gzip };
  // pipeline() carries a read error into the gunzip stream, where the consumer's loop sees it.
  const gunzip = pipeline(Readable.from(counted), createGunzip({ chunkSize: 256 * 1024 }), () => {});
  return { chunks: readErrorsTagged(gunzip), gzip };
}
