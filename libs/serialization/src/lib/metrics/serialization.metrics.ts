import { Injectable } from '@nestjs/common';
import type { TruncationReason } from '@agent-gateway/events';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SerializationPath } from '../serializer/serialized-payload';

/** What the pool reports when Prometheus scrapes; read at scrape time, never polled. */
export interface PoolProbe {
  queueDepth(): number;
  utilization(): number;
  threads(): number;
}

const PATHS: readonly SerializationPath[] = ['inline', 'worker', 'sliced'];
/** A power of two, so that sampling is a mask. */
export const INLINE_SAMPLE = 64;

/**
 * Prometheus metrics of the serialization lib. Labels are bounded enums. A second serializer
 * on the same registry (two apps in one process) shares the series; gauges then report the
 * pool that registered first.
 */
@Injectable()
export class SerializationMetrics {
  private readonly duration: Histogram<'path'>;
  private readonly durationByPath: Record<SerializationPath, { observe(seconds: number): void }>;
  private readonly timeouts: Counter<'path'>;
  private readonly truncated: Counter<'reason'>;
  private readonly workerCrashes: Counter;
  private readonly payloads: Counter<'path'>;
  private probe: PoolProbe | undefined;
  /** Inline payloads since the last scrape: a plain increment, added to the counter on scrape. */
  private inlineSinceScrape = 0;
  private inlineCalls = 0;

  constructor(registry: Registry) {
    const existing = <T>(name: string): T | undefined =>
      registry.getSingleMetric(name) as T | undefined;
    this.duration =
      existing('agent_gateway_serialization_duration_seconds') ??
      new Histogram({
        name: 'agent_gateway_serialization_duration_seconds',
        help: 'Time from serialize() to its result, by path; path="inline" is a 1-in-64 sample.',
        labelNames: ['path'],
        buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      });
    // Children bound once: the inline path runs per small event and must not hash labels.
    this.durationByPath = {
      inline: this.duration.labels('inline'),
      worker: this.duration.labels('worker'),
      sliced: this.duration.labels('sliced'),
    };
    this.timeouts =
      existing('agent_gateway_serialization_timeouts_total') ??
      new Counter({
        name: 'agent_gateway_serialization_timeouts_total',
        help: 'Payloads that hit the serialization time limit, by path.',
        labelNames: ['path'],
        registers: [registry],
      });
    this.truncated =
      existing('agent_gateway_serialization_truncated_total') ??
      new Counter({
        name: 'agent_gateway_serialization_truncated_total',
        help: 'Payloads replaced by the truncation marker, by reason.',
        labelNames: ['reason'],
        registers: [registry],
      });
    this.workerCrashes =
      existing('agent_gateway_serialization_worker_crashes_total') ??
      new Counter({
        name: 'agent_gateway_serialization_worker_crashes_total',
        help: 'Serialization tasks lost to a worker that died; the worker is replaced.',
        registers: [registry],
      });
    const drainInline = (): number => {
      const count = this.inlineSinceScrape;
      this.inlineSinceScrape = 0;
      return count;
    };
    this.payloads =
      existing('agent_gateway_serialization_payloads_total') ??
      new Counter({
        name: 'agent_gateway_serialization_payloads_total',
        help: 'Payloads serialized, by path. Exact, unlike the sampled inline durations.',
        labelNames: ['path'],
        registers: [registry],
        collect() {
          this.labels('inline').inc(drainInline());
        },
      });
    for (const path of PATHS) {
      this.timeouts.labels(path);
      this.payloads.labels(path);
    }
    const probe = (): PoolProbe | undefined => this.probe;
    if (!existing('agent_gateway_serialization_queue_depth')) {
      new Gauge({
        name: 'agent_gateway_serialization_queue_depth',
        help: 'Serialization tasks waiting for a free worker.',
        registers: [registry],
        collect() {
          this.set(probe()?.queueDepth() ?? 0);
        },
      });
    }
    if (!existing('agent_gateway_serialization_pool_utilization_ratio')) {
      new Gauge({
        name: 'agent_gateway_serialization_pool_utilization_ratio',
        help: 'Share of the pool capacity spent running tasks since start (0 to 1).',
        registers: [registry],
        collect() {
          this.set(probe()?.utilization() ?? 0);
        },
      });
    }
    if (!existing('agent_gateway_serialization_pool_threads')) {
      new Gauge({
        name: 'agent_gateway_serialization_pool_threads',
        help: 'Worker threads currently alive in the serialization pool.',
        registers: [registry],
        collect() {
          this.set(probe()?.threads() ?? 0);
        },
      });
    }
  }

  watchPool(probe: PoolProbe): void {
    this.probe = probe;
  }

  /**
   * True when the next inline payload is the one in `INLINE_SAMPLE` whose duration is to be
   * observed (a prom-client observe costs as much as a small conversion). It stays true until
   * an inline payload is counted, so that payloads taking other paths never shift the sample.
   */
  inlineSampleDue(): boolean {
    return (this.inlineCalls & (INLINE_SAMPLE - 1)) === 0;
  }

  /** Counts one payload taken by the fast path: two increments, added to the counter on scrape. */
  countInline(): void {
    this.inlineSinceScrape++;
    this.inlineCalls++;
  }

  /** Inline durations are a 1-in-`INLINE_SAMPLE` sample; the other paths observe every call. */
  observeDuration(path: SerializationPath, seconds: number): void {
    this.durationByPath[path].observe(seconds);
    if (path !== 'inline') this.payloads.labels(path).inc();
  }

  countTruncated(path: SerializationPath, reason: TruncationReason): void {
    this.truncated.labels(reason).inc();
    if (reason === 'timeout') this.timeouts.labels(path).inc();
  }

  countWorkerCrash(): void {
    this.workerCrashes.inc();
  }
}
