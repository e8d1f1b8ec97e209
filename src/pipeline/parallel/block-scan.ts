import type { Config } from '../../config.js';
import type { Finding } from '../../classify/finding.js';
import { emptyCounts, emptyCoverage, type Coverage, type InputError, type RecordCounts } from '../../parse/records.js';
import type { Source } from '../../parse/source.js';
import { Detection, type TaggedSample } from '../detection.js';

/** What a worker needs to read blocks: the run's config. */
export interface BlockScanConfig {
  config: Config;
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
}

export function detectionFor(block: BlockScanConfig): Detection {
  return new Detection(block.config);
}

/** Parses, validates and runs the detectors over one block of whole NDJSON lines (in a worker, or in-process). */
export function scanBlock(bytes: Buffer, first: boolean, detection: Detection): BlockResult {
  const result: BlockResult = { counts: emptyCounts(), coverage: emptyCoverage(), naiveTimes: 0, keysSeen: [], firstValue: undefined, findings: [], errors: [], samples: [], outside: 0 };
  const reader = detection.reader(
    '',
    { framing: 'ndjson', stripBom: first },
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
  return result;
}
