/** Where a record (and so every finding and error made from it) came from. */
export interface Source {
  file: string;
  /** 1-based line the record starts on. */
  line: number;
  /** Byte offset of the record's first byte within the (decompressed) input. */
  offset: number;
  /** The record's place within its line, when a line holds several (an OTLP/JSON batch). */
  record?: number;
}
