import { Injectable } from '@nestjs/common';
import { deferredValue, type AgentOutput } from '@agent-gateway/events';
import type { AgentDefinition, AgentRunContext } from '../../contracts/agent-definition';
import { sleep } from '../../shared/abortable';
import { loadtestOptionsSchema, type LoadtestOptions } from './loadtest-options.schema';

/** Recipe of `@agent-gateway/serialization` that builds a nested object of about `bytes`. */
const NESTED_STATE_RECIPE = 'nested-state';

/**
 * For benchmarks and fault drills (registered only with `enableLoadtestAgent`): a configurable
 * stream of durable events, a large output built off the main thread, injected failures and hangs.
 */
@Injectable()
export class LoadtestAgent implements AgentDefinition<LoadtestOptions> {
  readonly name = 'loadtest';
  readonly optionsSchema = loadtestOptionsSchema;

  async run({ options, emit, signal }: AgentRunContext<LoadtestOptions>): Promise<AgentOutput> {
    const { events, payloadBytes, stateBytes, intervalMs, failRate, hangMs } = options;
    const failAt = Math.random() < failRate ? Math.floor(events / 2) : undefined;
    if (hangMs > 0) await sleep(hangMs, signal);
    for (let index = 0; index < events; index += 1) {
      if (index === failAt) throw injectedFailure(failRate);
      if (index > 0 && intervalMs > 0) await sleep(intervalMs, signal);
      await emit('agent_thinking', { text: eventText(index, events, payloadBytes) });
    }
    if (failAt !== undefined) throw injectedFailure(failRate);
    return {
      text: `loadtest sent ${events} events`,
      events,
      ...(stateBytes > 0
        ? { state: deferredValue(NESTED_STATE_RECIPE, { bytes: stateBytes }) }
        : {}),
    };
  }
}

/** Exactly `length` characters, starting with the event's number so a reader can follow along. */
function eventText(index: number, total: number, length: number): string {
  const label = `event ${index + 1}/${total} `;
  return label.length >= length ? label.slice(0, length) : label.padEnd(length, 'x');
}

function injectedFailure(failRate: number): Error {
  return new Error(`loadtest: injected failure (failRate ${failRate})`);
}
