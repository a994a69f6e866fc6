import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import {
  SERIALIZATION_OPTIONS,
  type ResolvedSerializationOptions,
} from '../config/serialization-options';
import { SerializationMetrics } from '../metrics/serialization.metrics';
import { truncatedPayload } from '../safe-json/safe-json-markers';
import { toSafeJson, toSafeJsonWithin, type SafeJsonOptions } from '../safe-json/to-safe-json';
import type { SerializationPath, SerializedPayload } from './serialized-payload';

export interface SerializeOptions {
  /** Aborting gives up at once: the result is `{ truncated, reason: 'timeout' }`. */
  signal?: AbortSignal;
}

/**
 * Turns an event payload into something the gateway can send without stalling the event loop.
 * Small payloads are converted inline; the rest never block the loop for long (see README).
 */
@Injectable()
export class PayloadSerializer {
  private readonly convertOptions: SafeJsonOptions;

  constructor(
    @Inject(SERIALIZATION_OPTIONS) private readonly options: ResolvedSerializationOptions,
    private readonly metrics: SerializationMetrics,
  ) {
    this.convertOptions = { maxDepth: options.maxDepth, maxStringChars: options.maxStringChars };
  }

  /** Never rejects, and settles within `timeoutMs`. */
  serialize(payload: unknown, _options: SerializeOptions = {}): Promise<SerializedPayload> {
    const started = performance.now();
    const attempt = toSafeJsonWithin(
      payload,
      this.options.inlineThresholdBytes,
      this.convertOptions,
    );
    if (!attempt.overBudget && !attempt.hasDeferred) {
      this.metrics.observeDuration('inline', (performance.now() - started) / 1000);
      return Promise.resolve({ encoding: 'inline', value: attempt.value, bytes: attempt.bytes });
    }
    // Interim until the worker and sliced paths land: correct, but blocks on large payloads.
    const bytes = Buffer.from(JSON.stringify(toSafeJson(payload, this.convertOptions)));
    if (bytes.length > this.options.maxEventBytes) {
      return Promise.resolve(this.truncated('inline', 'too_large', started, bytes.length));
    }
    this.metrics.observeDuration('inline', (performance.now() - started) / 1000);
    return Promise.resolve({ encoding: 'json-bytes', bytes });
  }

  private truncated(
    path: SerializationPath,
    reason: 'timeout' | 'too_large' | 'overloaded' | 'unserializable',
    started: number,
    originalBytes?: number,
  ): SerializedPayload {
    this.metrics.countTruncated(path, reason);
    this.metrics.observeDuration(path, (performance.now() - started) / 1000);
    return { encoding: 'truncated', value: truncatedPayload(reason, originalBytes) };
  }
}
