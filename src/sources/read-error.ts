/**
 * A failure reading an input's bytes (a missing file, a permission, a corrupt gzip), as opposed
 * to a failure handling them: only this kind is reported as "cannot read <file>".
 */
export class InputReadError extends Error {
  constructor(override readonly cause: NodeJS.ErrnoException) {
    super(cause.message);
    this.name = 'InputReadError';
  }
}

/** Yields the chunks, turning any failure of the source itself into an InputReadError. */
export async function* readErrorsTagged(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = chunks[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Buffer>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw new InputReadError(error as NodeJS.ErrnoException);
    }
    if (next.done) return;
    yield next.value;
  }
}
