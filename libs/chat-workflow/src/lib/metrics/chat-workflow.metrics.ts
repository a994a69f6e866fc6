import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';

export type RedisFallbackReason = 'timeout' | 'error' | 'breaker_open';
export type TranscriptOperation =
  'create' | 'append' | 'read' | 'read_owner' | 'stat' | 'check_writable' | 'sweep';

/** The chat workflow's Prometheus metrics, registered once in the app's shared `Registry`. */
@Injectable()
export class ChatWorkflowMetrics {
  readonly redisFallbacks: Counter<'operation' | 'reason'>;
  readonly redisBreakerOpen: Gauge;
  readonly fileTimeouts: Counter<'operation'>;
  readonly cacheHits: Counter;
  readonly cacheMisses: Counter;
  readonly tornRecords: Counter;

  constructor(registry: Registry) {
    this.redisFallbacks = counter(registry, {
      name: 'agent_gateway_redis_fallbacks_total',
      help: 'Redis operations that timed out, failed or met an open breaker, so a fallback was used',
      labelNames: ['operation', 'reason'],
    });
    this.redisBreakerOpen = gauge(registry, {
      name: 'agent_gateway_redis_breaker_open',
      help: '1 while the Redis breaker is open (Redis skipped), else 0',
    });
    this.fileTimeouts = counter(registry, {
      name: 'agent_gateway_transcript_file_timeouts_total',
      help: 'Transcript file operations that did not finish within FILE_TIMEOUT_MS',
      labelNames: ['operation'],
    });
    this.cacheHits = counter(registry, {
      name: 'agent_gateway_history_cache_hits_total',
      help: 'Conversation history reads answered from the cache',
    });
    this.cacheMisses = counter(registry, {
      name: 'agent_gateway_history_cache_misses_total',
      help: 'Conversation history reads that had to go to the transcript file',
    });
    this.tornRecords = counter(registry, {
      name: 'agent_gateway_transcript_torn_records_total',
      help: 'Unreadable transcript records skipped on read (a write cut short by a crash)',
    });
  }
}

// Re-use a metric already in the registry: two app instances in one test process may share it.
function counter<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labelNames?: readonly L[] },
): Counter<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ ...config, registers: [registry] });
}

function gauge(registry: Registry, config: { name: string; help: string }): Gauge {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Gauge;
  return new Gauge({ ...config, registers: [registry] });
}
