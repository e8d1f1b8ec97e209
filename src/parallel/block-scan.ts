import type { Finding } from '../classify/finding.js';
import { buildPrefilter } from '../classify/prefilter.js';
import { classify, type Rules } from '../classify/rules.js';
import type { FieldName, PresetName } from '../parse/mapping.js';
import { RecordReader, type InputError, type RecordCounts } from '../parse/records.js';

export interface BlockScanConfig {
  preset: PresetName;
  fields: Partial<Record<FieldName, string[]>>;
  maxRecordBytes: number;
  rules: Rules;
  fast: boolean;
}

/** What one block of NDJSON lines yields; lines and offsets are relative to the block. */
export interface BlockResult {
  counts: RecordCounts;
  findings: Finding[];
  errors: InputError[];
}

/** Parses, validates and classifies one block of whole NDJSON lines (in a worker, or in-process). */
export function scanBlock(bytes: Buffer, first: boolean, config: BlockScanConfig, prefilter = prefilterFor(config)): BlockResult {
  const findings: Finding[] = [];
  const errors: InputError[] = [];
  const reader = new RecordReader(
    '',
    {
      preset: config.preset,
      fields: config.fields,
      maxRecordBytes: config.maxRecordBytes,
      framing: 'ndjson',
      stripBom: first,
      prefilter,
    },
    {
      record: (record, text, source) => {
        for (const finding of classify(record, text, source, config.rules)) findings.push(finding);
      },
      error: (error) => errors.push(error),
    },
  );
  reader.push(bytes);
  reader.end();
  return { counts: reader.counts, findings, errors };
}

export function prefilterFor(config: BlockScanConfig) {
  return config.fast ? buildPrefilter(config.rules, config.fields) : undefined;
}
