import { Injectable } from '@nestjs/common';
import type { AgentOutput } from '@agent-gateway/events';
import type { AgentDefinition, AgentRunContext } from '../lib/contracts/agent-definition';

export type AgentBehaviour = (context: AgentRunContext) => Promise<AgentOutput>;

/** An agent whose behaviour each test sets; counts how often the engine really ran it. */
@Injectable()
export class ProgrammableAgent implements AgentDefinition {
  readonly name = 'programmable';
  behaviour: AgentBehaviour = () => Promise.resolve('ok');
  invocations = 0;
  readonly contexts: AgentRunContext[] = [];

  run(context: AgentRunContext): Promise<AgentOutput> {
    this.invocations += 1;
    this.contexts.push(context);
    return this.behaviour(context);
  }
}

/** Resolves when the signal aborts and never otherwise: an agent that honours cancellation. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}

/** Never settles: an agent or tool that ignores its signal. */
export function forever(): Promise<never> {
  return new Promise<never>(() => undefined);
}
