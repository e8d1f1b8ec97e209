import { StringDecoder } from 'node:string_decoder';
import type { Frame } from './frame.js';

const LF = 0x0a;
export const PIECE_BYTES = 64 << 10;

/**
 * Lines for the structured framer, handed on in pieces as they arrive instead of held whole: a
 * top-level array written on one line of many megabytes is many records, each within the record
 * limit, and must not be buffered as one line. Pieces carry their line's number and offset, and
 * whether they start or end it; UTF-8 split across chunks is decoded whole.
 */
export class PieceFramer {
  private lineNo: number;
  private lineStart = 0;
  private consumed: number;
  private midLine = false;
  private lineHasText = false;
  private readonly decoder = new StringDecoder('utf8');
  /** Lines with nothing but whitespace. */
  blank = 0;

  constructor(
    private readonly piece: (frame: Frame) => void,
    options: { startOffset?: number; startLine?: number; stripBom?: boolean } = {},
  ) {
    this.consumed = options.startOffset ?? 0;
    this.lineNo = options.startLine ?? 0;
    this.stripBom = options.stripBom ?? true;
  }

  private stripBom: boolean;

  get linesSeen(): number {
    return this.lineNo + (this.midLine ? 1 : 0);
  }

  push(chunk: Buffer): void {
    // Pieces of at most PIECE_BYTES, so a record's size is known to within that.
    for (let at = 0; at < chunk.length; at += PIECE_BYTES) this.pushPiece(chunk.subarray(at, at + PIECE_BYTES));
  }

  private pushPiece(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      const end = nl === -1 ? chunk.length : nl;
      const first = !this.midLine;
      if (first) this.lineStart = this.consumed + start;
      let text = this.decoder.write(chunk.subarray(start, end));
      if (this.stripBom && this.lineNo === 0 && first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.stripBom = false;
      if (!this.lineHasText && text.trim() !== '') this.lineHasText = true;
      if (nl === -1) {
        this.midLine = true;
        if (text !== '') this.piece({ text, line: this.lineNo + 1, offset: this.lineStart, first, last: false });
        break;
      }
      this.finishLine(text, first);
      start = nl + 1;
    }
    this.consumed += chunk.length;
  }

  end(): void {
    const rest = this.decoder.end();
    if (this.midLine || rest !== '') this.finishLine(rest, !this.midLine);
  }

  private finishLine(text: string, first: boolean): void {
    this.lineNo++;
    this.midLine = false;
    if (!this.lineHasText) {
      this.blank++;
      return;
    }
    this.lineHasText = false;
    this.piece({ text, line: this.lineNo, offset: this.lineStart, first, last: true });
  }
}
