export type Framing = 'ndjson' | 'structured';

/**
 * The framing is decided within this many bytes: the first line of an object this long without a
 * newline, or this much leading whitespace, is read as NDJSON (line by line), so nothing larger is
 * ever held before the framing is known.
 */
const LOOK_AHEAD = 64 * 1024;

const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/**
 * Tells an input's framing from its head, fed chunk by chunk, in time linear in the bytes and
 * within 64 KiB (plus a chunk): a leading BOM and whitespace are skipped; then `[` is a top-level array (structured), anything but `{` is NDJSON
 * (each line reported), and `{` decides on its first line: a whole JSON value, or a one-line
 * object that is merely broken, is NDJSON; an object that goes on over lines is structured
 * (stream-json).
 */
export class FramingDetector {
  private position = 0;
  /** The first line from its `{`, while it is being read. */
  private line: Buffer[] | undefined;
  private lineBytes = 0;
  private decided: Framing | undefined;

  push(chunk: Buffer): Framing | undefined {
    if (this.decided) return this.decided;
    let i = 0;
    if (this.line === undefined) {
      // The BOM sits at the very start of the input (chunks of stdin may split it).
      while (i < chunk.length && this.position + i < 3 && chunk[i] === [0xef, 0xbb, 0xbf][this.position + i]) i++;
      while (i < chunk.length && isSpace(chunk[i]!)) i++;
      this.position += i;
      if (i === chunk.length) return this.position > LOOK_AHEAD ? (this.decided = 'ndjson') : undefined;
      const first = chunk[i]!;
      if (first === 0x5b /* [ */) return (this.decided = 'structured');
      if (first !== 0x7b /* { */) return (this.decided = 'ndjson');
      this.line = [];
    }
    const nl = chunk.indexOf(0x0a, i);
    const piece = chunk.subarray(i, nl === -1 ? chunk.length : nl);
    this.line.push(piece);
    this.lineBytes += piece.length;
    this.position += chunk.length - i;
    if (nl !== -1) return (this.decided = firstLineFraming(Buffer.concat(this.line)));
    if (this.lineBytes > LOOK_AHEAD) return (this.decided = 'ndjson');
    return undefined;
  }

  /** The input ended undecided (empty, or one line without a newline). */
  end(): Framing {
    if (this.decided) return this.decided;
    return (this.decided = this.line ? firstLineFraming(Buffer.concat(this.line)) : 'ndjson');
  }
}

function firstLineFraming(bytes: Buffer): Framing {
  const text = bytes.toString('utf8').trimEnd();
  try {
    JSON.parse(text);
    return 'ndjson';
  } catch {
    // A one-line object that is merely broken (or several on one line) still reads best line by line.
    return text.endsWith('}') ? 'ndjson' : 'structured';
  }
}

/** The framing of a whole head at once (tests, and inputs read whole). */
export function detectFraming(head: Buffer): Framing | undefined {
  return new FramingDetector().push(head);
}
