/** Exit codes (README "Exit codes"). */
export const EXIT = {
  ok: 0,
  /** A runtime failure: an unreadable input, documents not indexed, an engine that cannot be reached. */
  runtime: 1,
  /** A usage or configuration error. */
  usage: 2,
  /** Findings at or above --fail-on. */
  findings: 3,
} as const;

/**
 * An expected failure: `main` prints its message (no stack trace) and exits with its code.
 * Anything else that reaches `main` is a bug and is reported as one.
 */
export class MemtrailError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command line or a config file asks for something that cannot be: exit 2. */
export class UsageError extends MemtrailError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** Something in the world failed (a file, the engine, a full disk): exit 1. */
export class RuntimeFailure extends MemtrailError {
  constructor(message: string) {
    super(message, EXIT.runtime);
  }
}

/** Whoever reads our stdout went away (`memtrail scan … | head`): stop quietly. */
export class OutputClosed extends MemtrailError {
  constructor() {
    super('standard output was closed', EXIT.ok);
  }
}

/** What was thrown, as an Error (something that is not one is wrapped, so a stack exists). */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
