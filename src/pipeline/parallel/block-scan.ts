import type { Config } from '../../config.js';
import type { Finding } from '../../classify/finding.js';
import type { LogRecord } from '../../parse/record.js';
import { emptyCounts, emptyCoverage, type Coverage, type InputError, type OpenPartial, type RecordCounts } from '../../parse/records.js';
import type { Source } from '../../parse/source.js';
import { Detection, type DetectionHandlers, type TaggedSample } from '../detection.js';

/** What a worker needs to read blocks: the run's config, and for a live run what it hands back. */
export interface BlockScanConfig {
  config: Config;
  /** A live run (`tail`): records without a time take the time they were read. */
  live?: boolean;
  /** Records with a memory or payload number are handed back for the live record sinks (metrics). */
  observe?: boolean;
}

/** Which input a block is of (its path says what Kubernetes and Docker layouts put there) and whether it starts it. */
export interface BlockOrigin {
  file: string;
  first: boolean;
}

/** What one block of NDJSON lines yields; lines and offsets are relative to the block. */
export interface BlockResult {
  counts: RecordCounts;
  coverage: Coverage;
  naiveTimes: number;
  keysSeen: string[];
  firstValue: unknown;
  findings: Finding[];
  errors: InputError[];
  /** Series detectors' samples, in line order, for the main thread to feed in order. */
  samples: { tagged: TaggedSample; source: Source }[];
  /** With `observe`: the records for the record sinks, in line order. */
  observed: { record: LogRecord; source: Source }[];
  /** Records left out by the time window. */
  outside: number;
  /** Partial container lines still open at the block's end: they go on in a later block. */
  openPartials: OpenPartial[];
  /**
   * The block's bytes, handed back when it held container or journald lines: if the block before
   * left a partial line open, this one is read again with it, in order, on the main thread.
   */
  envelopeBytes?: Uint8Array;
}

/** Where a block sits in its input: the lines before it and the offset of its first byte. */
export interface BlockPlace {
  lineBase: number;
  offset: number;
}

/** A position the block gave (relative to it), placed in its input. */
export function placed<T extends { line: number; offset: number }>(where: T, place: BlockPlace, file: string): T {
  return { ...where, file, line: where.line + place.lineBase, offset: where.offset + place.offset };
}

/** Where a merged block's results go, placed in their input: as detection hands them, samples included. */
export interface BlockHandlers extends Pick<DetectionHandlers, 'finding' | 'error' | 'observe'> {
  sample: NonNullable<DetectionHandlers['sample']>;
}

/**
 * Hands a merged block's errors, findings, series samples and observed records on, placed in its
 * input, in the order one thread has them: a record's findings, then its samples (whose series
 * findings follow). Returns how many entries the block held, which sizes the next one.
 */
export function handOn(block: BlockResult, place: BlockPlace, file: string, handlers: BlockHandlers): number {
  const at = <T extends { line: number; offset: number }>(where: T) => placed(where, place, file);
  for (const error of block.errors) handlers.error(at(error));
  const { samples } = block;
  let next = 0;
  /** The samples of records before `until` (all that are left without it). */
  const samplesBefore = (until?: Source) => {
    for (; next < samples.length && (until === undefined || before(samples[next]!.source, until)); next++) {
      handlers.sample(samples[next]!.tagged, at(samples[next]!.source));
    }
  };
  for (const finding of block.findings) {
    samplesBefore(finding.source);
    handlers.finding({ ...finding, source: at(finding.source) });
  }
  samplesBefore();
  for (const { record, source } of block.observed) handlers.observe?.(record, at(source));
  return block.findings.length + block.errors.length + samples.length + block.observed.length;
}

/** A sample of an earlier record than a finding's (records sharing a line are told apart by their place in it). */
function before(sample: Source, finding: Source): boolean {
  return sample.line < finding.line || (sample.line === finding.line && (sample.record ?? 0) < (finding.record ?? 0));
}

/** How one thread reads blocks: the run's detectors and what it hands back. */
export interface BlockScanner {
  detection: Detection;
  observe: boolean;
}

export function scannerFor(block: BlockScanConfig): BlockScanner {
  return { detection: new Detection(block.config, { live: block.live ?? false }), observe: block.observe ?? false };
}

/**
 * Parses, validates and runs the detectors over one block of whole NDJSON lines (in a worker, or
 * in-process). `carried`: partial lines open before the block, placed relative to it.
 */
export function scanBlock(bytes: Buffer, origin: BlockOrigin, scanner: BlockScanner, carried?: readonly OpenPartial[]): BlockResult {
  const { detection } = scanner;
  const result: BlockResult = {
    counts: emptyCounts(),
    coverage: emptyCoverage(),
    naiveTimes: 0,
    keysSeen: [],
    firstValue: undefined,
    findings: [],
    errors: [],
    samples: [],
    observed: [],
    outside: 0,
    openPartials: [],
  };
  const reader = detection.reader(
    origin.file,
    {
      framing: 'ndjson',
      stripBom: origin.first,
      carriedPartials: carried,
      keepOpenPartials: true,
      ...(detection.context.live && { readTime: Date.now }),
    },
    {
      finding: (finding) => result.findings.push(finding),
      error: (error) => result.errors.push(error),
      sample: (tagged, source) => result.samples.push({ tagged, source }),
      ...(scanner.observe && { observe: (record: LogRecord, source: Source) => result.observed.push({ record, source }) }),
    },
  );
  const outsideBefore = detection.outsideWindow;
  reader.push(bytes);
  reader.end();
  result.outside = detection.outsideWindow - outsideBefore;
  result.counts = reader.counts;
  result.coverage = reader.coverage;
  result.naiveTimes = reader.naiveTimes;
  result.keysSeen = [...reader.keysSeen];
  result.firstValue = reader.firstValue;
  result.openPartials = reader.openPartials;
  if (reader.sawEnvelope) result.envelopeBytes = bytes;
  return result;
}
