import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { TruncationReason } from '@agent-gateway/events';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SerializationPath } from '../serializer/serialized-payload';
import { INLINE_SAMPLE, INLINE_SAMPLES_KEPT, InlineSamples } from './inline-samples';

/** What the pool reports when Prometheus scrapes; read at scrape time, never polled. */
export interface PoolProbe {
  queueDepth(): number;
  /** Share of the threads busy lately (`PoolBusyTime.ratio`), 0 to 1. */
  utilization(): number;
  threads(): number;
  /** Bytes of worker results held as shared memory (`SharedResultBudget`), by state. */
  sharedResultBytes(): { retained: number; unretained: number };
}

/** How a worker's bytes reached the main thread; see `SharedResultBudget`. */
export type ResultHandover = 'shared' | 'transferred';

const PATHS: readonly SerializationPath[] = ['inline', 'worker', 'sliced'];
/** The paths observed on every call; inline durations are sampled (`InlineSamples`). */
type TimedPath = Exclude<SerializationPath, 'inline'>;

/**
 * The inline bookkeeping of every serializer on a registry. The metric families are created
 * once per registry, by the first serializer; their collect functions drain all of them.
 */
const inlineSamplesByRegistry = new WeakMap<Registry, Set<InlineSamples>>();

/**
 * Prometheus metrics of the serialization lib. Labels are bounded enums. A second serializer
 * on the same registry (two apps in one process) shares the series: counts and durations add
 * up, gauges report the pool that registered first.
 */
@Injectable()
export class SerializationMetrics implements OnModuleDestroy {
  /** The fast path's counts and sampled timings, reported when Prometheus scrapes. */
  readonly inline = new InlineSamples();
  private readonly inlineOnRegistry: Set<InlineSamples>;
  private readonly duration: Histogram<'path'>;
  private readonly durationByPath: Record<TimedPath, { observe(seconds: number): void }>;
  private readonly timeouts: Counter<'path'>;
  private readonly truncated: Counter<'reason'>;
  private readonly workerCrashes: Counter;
  private readonly payloads: Counter<'path'>;
  private readonly workerResults: Counter<'handover'>;
  private probe: PoolProbe | undefined;

  constructor(registry: Registry) {
    let inlineOnRegistry = inlineSamplesByRegistry.get(registry);
    if (inlineOnRegistry === undefined) {
      inlineOnRegistry = new Set();
      inlineSamplesByRegistry.set(registry, inlineOnRegistry);
    }
    const allInline = inlineOnRegistry;
    this.inlineOnRegistry = allInline;
    allInline.add(this.inline);
    const existing = <T>(name: string): T | undefined =>
      registry.getSingleMetric(name) as T | undefined;
    this.duration =
      existing('agent_gateway_serialization_duration_seconds') ??
      new Histogram({
        name: 'agent_gateway_serialization_duration_seconds',
        help:
          'Time from serialize() to its result, by path; path="inline" is a 1-in-' +
          `${INLINE_SAMPLE} sample, at most ${INLINE_SAMPLES_KEPT} per scrape.`,
        labelNames: ['path'],
        buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
        collect() {
          const inline = this.labels('inline');
          for (const samples of allInline) {
            samples.drainDurations((seconds) => inline.observe(seconds));
          }
        },
      });
    // Children bound once: the inline path runs per small event and must not hash labels.
    this.durationByPath = {
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
    this.payloads =
      existing('agent_gateway_serialization_payloads_total') ??
      new Counter({
        name: 'agent_gateway_serialization_payloads_total',
        help: 'Payloads serialized, by path. Exact, unlike the sampled inline durations.',
        labelNames: ['path'],
        registers: [registry],
        collect() {
          let count = 0;
          for (const samples of allInline) count += samples.drainCount();
          this.labels('inline').inc(count);
        },
      });
    this.workerResults =
      existing('agent_gateway_serialization_worker_results_total') ??
      new Counter({
        name: 'agent_gateway_serialization_worker_results_total',
        help:
          'Worker results handed to the main thread, by handover: shared memory (uncounted by ' +
          'V8) or a transferred buffer (counted; used past SERIALIZATION_SHARED_RESULT_BYTES).',
        labelNames: ['handover'],
        registers: [registry],
      });
    // Every series from the start, at 0 (labels() alone creates none): rate() needs a start.
    this.workerResults.labels('shared').inc(0);
    this.workerResults.labels('transferred').inc(0);
    for (const path of PATHS) {
      this.timeouts.labels(path).inc(0);
      this.payloads.labels(path).inc(0);
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
        help:
          'Share of the pool threads busy over the last 60 s (since start when less): time of ' +
          'tasks on workers, from start to settle, aborted ones included, over elapsed time ' +
          'times threads (0 to 1).',
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
    if (!existing('agent_gateway_serialization_shared_result_bytes')) {
      new Gauge({
        name: 'agent_gateway_serialization_shared_result_bytes',
        help:
          'Bytes of worker results the main thread holds as shared memory until the collector ' +
          'reclaims them: retained (kept for replay by the event log) or unretained (anything ' +
          'else); while unretained reaches SERIALIZATION_SHARED_RESULT_BYTES, results are transferred.',
        labelNames: ['state'],
        registers: [registry],
        collect() {
          const held = probe()?.sharedResultBytes() ?? { retained: 0, unretained: 0 };
          this.labels('retained').set(held.retained);
          this.labels('unretained').set(held.unretained);
        },
      });
    }
  }

  watchPool(probe: PoolProbe): void {
    this.probe = probe;
  }

  /**
   * The serializer leaves the registry's scrapes; what it counted and timed since the last
   * scrape goes to the series first, so that nothing counted is lost with it.
   */
  onModuleDestroy(): void {
    this.inlineOnRegistry.delete(this.inline);
    this.payloads.labels('inline').inc(this.inline.drainCount());
    const inline = this.duration.labels('inline');
    this.inline.drainDurations((seconds) => inline.observe(seconds));
  }

  /** Every call on the worker and sliced paths; inline durations go through `inline.keep`. */
  observeDuration(path: TimedPath, seconds: number): void {
    this.durationByPath[path].observe(seconds);
    this.payloads.labels(path).inc();
  }

  countTruncated(path: SerializationPath, reason: TruncationReason): void {
    this.truncated.labels(reason).inc();
    if (reason === 'timeout') this.timeouts.labels(path).inc();
  }

  countWorkerCrash(): void {
    this.workerCrashes.inc();
  }

  countWorkerResult(handover: ResultHandover): void {
    this.workerResults.labels(handover).inc();
  }
}
