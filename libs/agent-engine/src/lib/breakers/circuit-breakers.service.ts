import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import CircuitBreaker from 'opossum';
import { ToolFailure } from '../contracts/tool-failure.error';
import { AGENT_ENGINE_OPTIONS, type ResolvedEngineOptions } from '../config/engine-options';
import { EngineMetrics, type CircuitKind } from '../metrics/engine-metrics.service';
import { RunStoppedError } from '../runner/run-stopped.error';
import { ManagedBreaker } from './managed-breaker';

/** One breaker per agent and per tool, created on first use, logged and exported as metrics. */
@Injectable()
export class CircuitBreakers implements OnApplicationShutdown {
  private readonly logger = new Logger(CircuitBreakers.name);
  private readonly breakers = new Map<string, ManagedBreaker>();

  constructor(
    @Inject(AGENT_ENGINE_OPTIONS) private readonly options: ResolvedEngineOptions,
    private readonly metrics: EngineMetrics,
  ) {}

  forAgent(name: string): ManagedBreaker {
    return this.get('agent', name, this.options.agentTimeoutMs);
  }

  forTool(name: string): ManagedBreaker {
    return this.get('tool', name, this.options.toolTimeoutMs);
  }

  /** `agent:<name>` / `tool:<name>` of every circuit that is open or half-open. */
  openCircuits(): string[] {
    return [...this.breakers.values()]
      .filter((breaker) => breaker.state() !== 'closed')
      .map((breaker) => `${breaker.kind}:${breaker.name}`)
      .sort();
  }

  onApplicationShutdown(): void {
    // Stops opossum's rolling-window intervals; called after the engine drained its runs.
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }

  private get(kind: CircuitKind, name: string, timeoutMs: number): ManagedBreaker {
    const key = `${kind}:${name}`;
    let managed = this.breakers.get(key);
    if (managed === undefined) {
      managed = this.create(kind, name, timeoutMs);
      this.breakers.set(key, managed);
    }
    return managed;
  }

  private create(kind: CircuitKind, name: string, timeoutMs: number): ManagedBreaker {
    const { breaker: config } = this.options;
    const breaker: CircuitBreaker<[() => Promise<unknown>], unknown> = new CircuitBreaker(
      (work: () => Promise<unknown>) => work(),
      {
        name: `${kind}:${name}`,
        timeout: timeoutMs,
        errorThresholdPercentage: config.errorThresholdPercentage,
        volumeThreshold: config.volumeThreshold,
        resetTimeout: config.resetTimeoutMs,
        rollingCountTimeout: config.rollingCountTimeoutMs,
        // A run the engine stopped (cancelled, shut down, past a group deadline) says nothing
        // about the agent's health, nor does a tool refusing bad input; opossum's own timeout is
        // its ETIMEDOUT, which does count. A stopped half-open probe proved nothing either, but
        // opossum would take a filtered error for a success and close: count it, so the circuit
        // stays open for another period instead of closing untested.
        errorFilter: (error: unknown): boolean =>
          error instanceof ToolFailure || (error instanceof RunStoppedError && !breaker.halfOpen),
      },
    );
    const managed = new ManagedBreaker(kind, name, breaker, config.resetTimeoutMs);
    breaker.on('open', () => {
      this.logger.warn(
        `circuit of ${kind} ${name} opened: refusing calls for ${config.resetTimeoutMs} ms`,
      );
      this.metrics.circuitStateChanged(kind, name, 'open');
    });
    breaker.on('halfOpen', () => {
      this.logger.log(`circuit of ${kind} ${name} half-open: letting one probe through`);
      this.metrics.circuitStateChanged(kind, name, 'half_open');
    });
    breaker.on('close', () => {
      this.logger.log(`circuit of ${kind} ${name} closed`);
      this.metrics.circuitStateChanged(kind, name, 'closed');
    });
    this.metrics.circuitStateChanged(kind, name, 'closed');
    return managed;
  }
}
