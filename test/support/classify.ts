import type { Finding } from '../../src/classify/finding.js';
import type { Config } from '../../src/config.js';
import type { LogRecord } from '../../src/parse/record.js';
import { Detection } from '../../src/pipeline/detection.js';

/** One record through every registered detector, as the pipeline runs them; its findings (or the error it became). */
export function classify(record: LogRecord, config: Config, text = JSON.stringify(record)): Finding[] {
  const findings: Finding[] = [];
  const error = new Detection(config).record(record, text, { file: 'f', line: 1, offset: 0 }, { finding: (f) => findings.push(f), error: () => undefined });
  if (error) throw new Error(error.reason);
  return findings;
}
