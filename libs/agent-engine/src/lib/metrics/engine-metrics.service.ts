import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type RunOutcomeLabel =
  'completed' | 'timeout' | 'circuit_open' | 'failed' | 'cancelled' | 'overloaded' | 'shutdown';
export type ToolOutcomeLabel = 'ok' | 'error' | 'timeout' | 'circuit_open' | 'cancelled';
export type CircuitKind = 'agent' | 'tool';
export type CircuitState = 'closed' | 'half_open' | 'open';

const CIRCUIT_STATES: readonly CircuitState[] = ['closed', 'half_open', 'open'];

/**
 * The engine's Prometheus metrics. Labels are bounded: agent and tool names come from the
 * registries (unknown names are refused before any metric is touched), outcomes are enums.
 */
@Injectable()
export class EngineMetrics {
  private readonly runs: Counter<'agent' | 'outcome'>;
  private readonly runDuration: Histogram<'agent' | 'outcome'>;
  private readonly toolCalls: Counter<'tool' | 'outcome'>;
  private readonly toolDuration: Histogram<'tool'>;
  private readonly circuitState: Gauge<'kind' | 'name' | 'state'>;
  private readonly activeRuns: Gauge;
  private readonly queuedRuns: Gauge;

  constructor(registry: Registry) {
    // Another engine on the same registry (a second app in one process, tests) shares the series.
    const existing = <T>(name: string): T | undefined =>
      registry.getSingleMetric(name) as T | undefined;
    this.runs =
      existing('agent_gateway_agent_runs_total') ??
      new Counter({
        name: 'agent_gateway_agent_runs_total',
        help: 'Agent runs that ended, by agent and outcome (completed or the agent_error code).',
        labelNames: ['agent', 'outcome'],
        registers: [registry],
      });
    this.runDuration =
      existing('agent_gateway_agent_run_duration_seconds') ??
      new Histogram({
        name: 'agent_gateway_agent_run_duration_seconds',
        help: 'Duration of agent runs from start to terminal event, queueing included.',
        labelNames: ['agent', 'outcome'],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
        registers: [registry],
      });
    this.toolCalls =
      existing('agent_gateway_agent_tool_calls_total') ??
      new Counter({
        name: 'agent_gateway_agent_tool_calls_total',
        help: 'Tool calls that completed, by tool and outcome.',
        labelNames: ['tool', 'outcome'],
        registers: [registry],
      });
    this.toolDuration =
      existing('agent_gateway_agent_tool_call_duration_seconds') ??
      new Histogram({
        name: 'agent_gateway_agent_tool_call_duration_seconds',
        help: 'Duration of tool calls, retries included.',
        labelNames: ['tool'],
        buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      });
    this.circuitState =
      existing('agent_gateway_agent_circuit_state') ??
      new Gauge({
        name: 'agent_gateway_agent_circuit_state',
        help: 'Circuit breaker state per agent or tool: 1 for the current state, 0 for the others.',
        labelNames: ['kind', 'name', 'state'],
        registers: [registry],
      });
    this.activeRuns =
      existing('agent_gateway_agent_active_runs') ??
      new Gauge({
        name: 'agent_gateway_agent_active_runs',
        help: 'Agent runs executing now.',
        registers: [registry],
      });
    this.queuedRuns =
      existing('agent_gateway_agent_queued_runs') ??
      new Gauge({
        name: 'agent_gateway_agent_queued_runs',
        help: 'Agent runs waiting for a concurrency slot.',
        registers: [registry],
      });
  }

  runEnded(agent: string, outcome: RunOutcomeLabel, durationMs: number): void {
    this.runs.inc({ agent, outcome });
    this.runDuration.observe({ agent, outcome }, durationMs / 1000);
  }

  toolCallEnded(tool: string, outcome: ToolOutcomeLabel, durationMs: number): void {
    this.toolCalls.inc({ tool, outcome });
    this.toolDuration.observe({ tool }, durationMs / 1000);
  }

  circuitStateChanged(kind: CircuitKind, name: string, state: CircuitState): void {
    for (const candidate of CIRCUIT_STATES) {
      this.circuitState.set({ kind, name, state: candidate }, candidate === state ? 1 : 0);
    }
  }

  setRunCounts(active: number, queued: number): void {
    this.activeRuns.set(active);
    this.queuedRuns.set(queued);
  }
}
