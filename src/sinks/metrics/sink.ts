import type { Finding } from '../../classify/finding.js';
import type { LogRecord } from '../../parse/record.js';
import type { Sink, SinkContext } from '../sink.js';
import { healthOf } from './health.js';
import { parseListen } from './listen.js';
import { MemtrailMetrics, type MetricsOptions } from './registry.js';
import { MetricsServer } from './server.js';

/**
 * `tail --metrics-listen HOST:PORT`: Prometheus metrics and /healthz. Counts every record and
 * finding as it passes (and acknowledges findings at once: it delivers nothing anyone waits
 * for); reads the pipeline's state from the run's probe when scraped.
 */
export class MetricsSink implements Sink {
  readonly name = 'metrics';
  private closing = false;

  private constructor(
    readonly metrics: MemtrailMetrics,
    readonly server: MetricsServer,
  ) {}

  /** Listens before any input is read: a bad or taken address ends the run at once. */
  static async open(listen: string, context: SinkContext, options: MetricsOptions = {}): Promise<MetricsSink> {
    const address = parseListen(listen);
    const metrics = new MemtrailMetrics({ warn: (message) => context.warn(message), ...options });
    const holder: { sink?: MetricsSink } = {};
    const server = await MetricsServer.start(address, {
      // The probe is set once the run starts: read it at each request.
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.exposition(context.probe) }),
      health: () => healthOf(context.probe, holder.sink?.closing ?? false),
    });
    context.warn(`serving Prometheus metrics on ${server.url}/metrics and the health check on ${server.url}/healthz`);
    holder.sink = new MetricsSink(metrics, server);
    return holder.sink;
  }

  record(record: LogRecord): void {
    this.metrics.record(record);
  }

  finding(finding: Finding, ack: () => void): void {
    this.metrics.finding(finding);
    ack();
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.server.close();
  }
}
