import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, type Json } from './helpers.js';

/** A `memtrail tail` child process whose NDJSON output is parsed as it arrives. */
export class TailProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, Json>[] = [];
  stderr = '';
  private partial = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, 'tail', '--format', 'ndjson', '--poll-interval', '100ms', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const parts = (this.partial + d).split('\n');
      this.partial = parts.pop()!;
      for (const part of parts) if (part) this.lines.push(JSON.parse(part));
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  findings(): Record<string, Json>[] {
    return this.lines.filter((l) => l.type === 'finding');
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** Polls until the condition holds; the limit only keeps a broken run from hanging. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A log line that is always a memory_warning, told apart by its trace id. */
export function line(trace: string, seq: number): string {
  return `${JSON.stringify({
    timestamp: new Date(Date.parse('2025-12-29T11:00:00Z') + seq * 10).toISOString(),
    level: 'WARNING',
    event: 'system.high_memory',
    message: `line ${seq}`,
    trace_id: trace,
    context: { memory_usage_percent: 85 },
  })}\n`;
}
