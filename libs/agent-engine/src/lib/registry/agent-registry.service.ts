import { Injectable, Logger } from '@nestjs/common';
import type { AgentDefinition } from '../contracts/agent-definition';
import { assertRegistrableName } from './registry-name';

/** Every agent the engine can run, filled by `AgentEngineModule.forRoot` and `forFeature`. */
@Injectable()
export class AgentRegistry {
  private readonly logger = new Logger(AgentRegistry.name);
  private readonly agents = new Map<string, AgentDefinition<unknown>>();

  register(agent: AgentDefinition<unknown>): void {
    assertRegistrableName('agent', agent.name);
    if (this.agents.has(agent.name)) {
      throw new Error(`agent "${agent.name}" is registered twice; give one of them another name`);
    }
    this.agents.set(agent.name, agent);
    this.logger.log(`registered agent ${agent.name}`);
  }

  get(name: string): AgentDefinition<unknown> | undefined {
    return this.agents.get(name);
  }

  names(): string[] {
    return [...this.agents.keys()].sort();
  }
}
