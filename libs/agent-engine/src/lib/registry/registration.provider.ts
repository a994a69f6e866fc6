import type { ModuleMetadata, Provider, Type } from '@nestjs/common';
import type { AgentDefinition } from '../contracts/agent-definition';
import type { ToolDefinition } from '../contracts/tool-definition';
import { AgentRegistry } from './agent-registry.service';
import { ToolRegistry } from './tool-registry.service';

export interface AgentEngineFeature {
  agents?: readonly Type<AgentDefinition<unknown>>[];
  tools?: readonly Type<ToolDefinition<unknown>>[];
  /** Modules exporting what the agents and tools inject (they are built inside the feature module). */
  imports?: ModuleMetadata['imports'];
}

let registrations = 0;

/**
 * A provider whose only job is to hand the feature's agent and tool instances, built by Nest with
 * their own dependencies, to the registries. Nest instantiates it before the app serves.
 */
export function registrationProvider({ agents = [], tools = [] }: AgentEngineFeature): Provider {
  registrations += 1;
  return {
    provide: Symbol(`agent-engine registration ${registrations}`),
    inject: [AgentRegistry, ToolRegistry, ...tools, ...agents],
    useFactory: (
      agentRegistry: AgentRegistry,
      toolRegistry: ToolRegistry,
      ...instances: unknown[]
    ) => {
      const toolInstances = instances.slice(0, tools.length) as ToolDefinition<unknown>[];
      const agentInstances = instances.slice(tools.length) as AgentDefinition<unknown>[];
      for (const tool of toolInstances) toolRegistry.register(tool);
      for (const agent of agentInstances) agentRegistry.register(agent);
      return { agents: agentInstances.map((a) => a.name), tools: toolInstances.map((t) => t.name) };
    },
  };
}
