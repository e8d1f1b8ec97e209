/** One framed unit of input: a line's (or a pretty-printed object's) text and where it came from. */
export interface Frame {
  text: string;
  line: number;
  /** Byte offset of the line's first byte within the (decompressed) input. */
  offset: number;
  /** A piece of a line: false when this piece does not start its line (default true). */
  first?: boolean;
  /** A piece of a line: false when the line goes on after it (default true). */
  last?: boolean;
}

/** Input that could not become a record: not JSON, truncated, or over the size limit. */
export interface FramingError {
  line: number;
  offset: number;
  reason: string;
  /** The offending text, cut to a short sample for reports and the dead-letter file. */
  sample: string;
}

export interface FrameSink {
  frame(frame: Frame): void;
  /** A parsed value (structured framing parses as it frames). */
  value?(value: unknown, frame: Frame): void;
  error(error: FramingError): void;
}

export const SAMPLE_CHARS = 200;

export function sampleOf(text: string): string {
  return text.length > SAMPLE_CHARS ? `${text.slice(0, SAMPLE_CHARS)}…` : text;
}
