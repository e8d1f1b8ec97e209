export const FINDING_KINDS = ['memory_warning', 'memory_critical', 'oversized_payload'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export type Severity = 'warning' | 'critical';

export interface Source {
  file: string;
  line: number;
  offset: number;
}

/** One memory or payload finding, with the keys of DESIGN.md's JSON contract. */
export interface Finding {
  id: string;
  trace_id: string | null;
  /** Epoch milliseconds; sinks format it. */
  timestamp: number;
  kind: FindingKind;
  severity: Severity;
  event: string | null;
  message: string | null;
  level: string | null;
  host: string | null;
  usage_percent: number | null;
  memory_used_bytes: number | null;
  payload_bytes: number | null;
  source: Source;
}

export const SEVERITY_RANK: Record<Severity, number> = { warning: 1, critical: 2 };
