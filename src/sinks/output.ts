import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Writes to a stream, waiting for 'drain' when its buffer is full (backpressure). */
export class Output {
  private broken = false;

  constructor(private readonly stream: Writable) {
    // A closed pipe (`memtrail scan … | head`) is not an error worth a stack trace.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') this.broken = true;
      else throw error;
    });
  }

  async write(text: string): Promise<void> {
    if (this.broken) return;
    if (this.stream.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
    });
  }

  async end(): Promise<void> {
    if (this.broken || this.stream === process.stdout || this.stream === process.stderr) return;
    this.stream.end();
    await once(this.stream, 'finish');
  }
}
