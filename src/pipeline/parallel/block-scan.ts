import type { Config } from '../../config.js';
import type { Finding } from '../../classify/finding.js';
import type { PresetName } from '../../parse/mapping.js';
import type { InputError, RecordCounts } from '../../parse/records.js';
import type { Source } from '../../parse/source.js';
import { Detection, type TaggedSample } from '../detection.js';

/** What a worker needs to read blocks: the run's config, with the preset the input was detected as. */
export interface BlockScanConfig {
  config: Config;
  preset: PresetName;
}

/** What one block of NDJSON lines yields; lines and offsets are relative to the block. */
export interface BlockResult {
  counts: RecordCounts;
  findings: Finding[];
  errors: InputError[];
  /** Series detectors' samples, in line order, for the main thread to feed in order. */
  samples: { tagged: TaggedSample; source: Source }[];
}

export function detectionFor(block: BlockScanConfig): Detection {
  return new Detection({ ...block.config, preset: block.preset });
}

/** Parses, validates and runs the detectors over one block of whole NDJSON lines (in a worker, or in-process). */
export function scanBlock(bytes: Buffer, first: boolean, detection: Detection): BlockResult {
  const result: BlockResult = { counts: { lines: 0, records: 0, malformed: 0, invalid: 0, skipped: 0 }, findings: [], errors: [], samples: [] };
  const reader = detection.reader(
    '',
    { framing: 'ndjson', stripBom: first },
    {
      finding: (finding) => result.findings.push(finding),
      error: (error) => result.errors.push(error),
      sample: (tagged, source) => result.samples.push({ tagged, source }),
    },
  );
  reader.push(bytes);
  reader.end();
  result.counts = reader.counts;
  return result;
}
