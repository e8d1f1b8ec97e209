import { createWriteStream } from 'node:fs';
import type { InputError } from '../parse/records.js';
import { Output } from './output.js';

/**
 * `--dead-letter FILE`: every malformed line and invalid record, one JSON object per line with
 * where it came from, why it was rejected, and its raw text, so it can be fixed and replayed.
 */
export class DeadLetter {
  private readonly output: Output;
  count = 0;

  constructor(readonly path: string) {
    this.output = new Output(createWriteStream(path, { flags: 'w' }));
  }

  async write(error: InputError): Promise<void> {
    this.count++;
    await this.output.write(
      `${JSON.stringify({ file: error.file, line: error.line, offset: error.offset, kind: error.kind, reason: error.reason, raw: error.raw })}\n`,
    );
  }

  async close(): Promise<void> {
    await this.output.end();
  }
}
