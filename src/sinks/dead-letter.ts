import { createWriteStream } from 'node:fs';
import { Output } from './output.js';

/** One line of the dead-letter file: where it came from, why it was rejected, and its raw text. */
export interface DeadLetterEntry {
  file: string;
  line: number;
  offset: number;
  /** malformed / invalid input, or a finding the search engine did not take (not_indexed). */
  kind: 'malformed' | 'invalid' | 'not_indexed';
  reason: string;
  raw: string;
  finding_id?: string;
}

/**
 * `--dead-letter FILE`: every malformed line, invalid record and document the engine did not
 * index, one JSON object per line, so it can be fixed and replayed.
 */
export class DeadLetter {
  private readonly output: Output;
  count = 0;

  /** `flags` 'w' starts the file afresh (a scan); 'a' appends (a tail that restarts). */
  constructor(
    readonly path: string,
    flags: 'w' | 'a' = 'w',
  ) {
    this.output = new Output(createWriteStream(path, { flags }));
  }

  async write(entry: DeadLetterEntry): Promise<void> {
    this.count++;
    const { file, line, offset, kind, reason, raw, finding_id } = entry;
    await this.output.write(`${JSON.stringify({ file, line, offset, kind, reason, raw, ...(finding_id ? { finding_id } : {}) })}\n`);
  }

  async close(): Promise<void> {
    await this.output.end();
  }
}
