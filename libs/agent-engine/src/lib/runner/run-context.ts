import type { AgentEventPayloads } from '@agent-gateway/events';
import type { AgentEmittableType, AgentRunContext } from '../contracts/agent-definition';
import type { ToolRegistry } from '../registry/tool-registry.service';
import type { RunExecution } from './run-execution';
import type { ToolInvoker } from './tool-invoker.service';

const AGENT_EMITTABLE_TYPES: ReadonlySet<string> = new Set<AgentEmittableType>([
  'agent_thinking',
  'agent_progress',
]);

/** What an agent sees of its run: everything it may use, nothing that could break the lifecycle. */
export function createRunContext(
  execution: RunExecution,
  options: unknown,
  tools: ToolRegistry,
  toolInvoker: ToolInvoker,
): AgentRunContext<unknown> {
  const { runId, threadId, userId, input, history } = execution.request;
  return {
    runId,
    threadId,
    userId,
    input,
    history,
    options,
    signal: execution.signal,
    tools: tools.descriptors(),
    emit: <T extends AgentEmittableType>(type: T, payload: AgentEventPayloads[T]) => {
      // Types stop TypeScript agents; this stops JavaScript ones and casts.
      if (!AGENT_EMITTABLE_TYPES.has(type)) {
        return Promise.reject(
          new Error(
            `agents emit only ${[...AGENT_EMITTABLE_TYPES].join(' and ')}; return the answer and use callTool for tools`,
          ),
        );
      }
      return execution.publishFromAgent(type, payload);
    },
    callTool: (name, args) => toolInvoker.call(execution, name, args),
  };
}
