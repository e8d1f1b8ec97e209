import type { Finding } from '../classify/finding.js';
import { MemtrailError } from '../errors.js';
import type { Rejected } from '../sinks/sink.js';

/**
 * Poison-line isolation: a failure while handling one finding (correlating, rendering, a sink
 * taking it) that is not one of memtrail's own expected failures (a closed stdout, a full disk,
 * an engine that cannot be reached: those stop the run) is about that record's content. The
 * record becomes an error with its file:line, kept where bad input is kept, and the run goes on.
 */
export function isPoison(error: unknown): boolean {
  return !(error instanceof MemtrailError);
}

export function poisonedEntry(finding: Finding, stage: string, error: unknown): Rejected {
  return {
    file: finding.source.file,
    line: finding.source.line,
    offset: finding.source.offset,
    kind: 'invalid',
    reason: `${stage} failed on this record's finding (${finding.kind}): ${(error as Error)?.message ?? String(error)}`,
    raw: JSON.stringify({ finding_id: finding.id, kind: finding.kind, trace_id: finding.trace_id }),
    finding_id: finding.id,
  };
}
