import type { Config } from '../../config.js';
import type { Finding } from '../../classify/finding.js';
import { emptyCounts, emptyCoverage, type Coverage, type InputError, type OpenPartial, type RecordCounts } from '../../parse/records.js';
import type { Source } from '../../parse/source.js';
import { Detection, type TaggedSample } from '../detection.js';

/** What a worker needs to read blocks: the run's config. */
export interface BlockScanConfig {
  config: Config;
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

export function detectionFor(block: BlockScanConfig): Detection {
  return new Detection(block.config);
}

/**
 * Parses, validates and runs the detectors over one block of whole NDJSON lines (in a worker, or
 * in-process). `carried`: partial lines open before the block, placed relative to it.
 */
export function scanBlock(bytes: Buffer, origin: BlockOrigin, detection: Detection, carried?: readonly OpenPartial[]): BlockResult {
  const result: BlockResult = {
    counts: emptyCounts(),
    coverage: emptyCoverage(),
    naiveTimes: 0,
    keysSeen: [],
    firstValue: undefined,
    findings: [],
    errors: [],
    samples: [],
    outside: 0,
    openPartials: [],
  };
  const reader = detection.reader(
    origin.file,
    { framing: 'ndjson', stripBom: origin.first, carriedPartials: carried, keepOpenPartials: true },
    {
      finding: (finding) => result.findings.push(finding),
      error: (error) => result.errors.push(error),
      sample: (tagged, source) => result.samples.push({ tagged, source }),
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
