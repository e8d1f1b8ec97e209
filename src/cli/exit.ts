/** Exit codes (DESIGN.md "Conventions"). */
export const EXIT = {
  ok: 0,
  /** A runtime failure: an unreadable input, documents not indexed. */
  runtime: 1,
  /** A usage or configuration error. */
  usage: 2,
  /** Findings at or above --fail-on. */
  findings: 3,
} as const;
