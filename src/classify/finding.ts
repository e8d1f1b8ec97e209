import type { Source } from '../parse/source.js';

export type { Source };
export type Severity = 'warning' | 'critical';

/** The name of a registered finding kind (classify/registry.ts). */
export type FindingKind = string;

/** One finding, with the keys of the JSON contract (docs/ARCHITECTURE.md). */
export interface Finding {
  id: string;
  trace_id: string | null;
  /** Epoch milliseconds; sinks format it. Null when the record had no time (batch runs). */
  timestamp: number | null;
  /** `record`: the record's own time; `read`: when memtrail read it (a live tail, no time in the record); `none`. */
  timestamp_source: 'record' | 'read' | 'none';
  /**
   * Without a time: where the finding sorts, the time of the last finding before it in its input
   * (a person sees it right after that one); set by the pipeline, not output.
   */
  order?: number;
  kind: FindingKind;
  severity: Severity;
  event: string | null;
  message: string | null;
  level: string | null;
  host: string | null;
  service: string | null;
  usage_percent: number | null;
  memory_used_bytes: number | null;
  payload_bytes: number | null;
  /** Where a container runtime or systemd says the record came from; null for a plain log file. */
  origin: Origin | null;
  /** Fields only this kind carries, as its spec declares them; flattened into JSON, indexed under memtrail.*. */
  details?: Record<string, number | string | null>;
  source: Source;
}

/** A record's container, pod, namespace, systemd unit and stream, when its envelope or path says. */
export interface Origin {
  stream?: string;
  container?: string;
  container_id?: string;
  pod?: string;
  namespace?: string;
  unit?: string;
}

export const SEVERITY_RANK: Record<Severity, number> = { warning: 1, critical: 2 };
