import cliProgress from 'cli-progress';

export interface ProgressState {
  bytes: number;
  findings: number;
}

/** A progress bar on stderr for batch work: bytes done of total, MB/s, findings so far. */
export class ProgressBar {
  private readonly bar: cliProgress.SingleBar;
  private readonly started = Date.now();

  constructor(private readonly totalBytes: number | undefined) {
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: totalBytes
          ? 'scan [{bar}] {percentage}% | {doneMb}/{totalMb} MB | {rate} MB/s | {findings} findings'
          : 'scan {doneMb} MB | {rate} MB/s | {findings} findings',
        hideCursor: true,
        clearOnComplete: true,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(totalBytes ?? 0, 0, this.payload({ bytes: 0, findings: 0 }));
  }

  update(state: ProgressState): void {
    this.bar.update(state.bytes, this.payload(state));
  }

  stop(): void {
    this.bar.stop();
  }

  private payload(state: ProgressState) {
    const seconds = Math.max((Date.now() - this.started) / 1000, 0.001);
    return {
      doneMb: (state.bytes / 1e6).toFixed(1),
      totalMb: ((this.totalBytes ?? 0) / 1e6).toFixed(1),
      rate: (state.bytes / 1e6 / seconds).toFixed(1),
      findings: state.findings,
    };
  }
}
