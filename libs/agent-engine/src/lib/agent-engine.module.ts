import { Module, type DynamicModule, type Type } from '@nestjs/common';
import { AssistantAgent } from './agents/assistant/assistant.agent';
import { LlmAgent } from './agents/llm/llm.agent';
import { LoadtestAgent } from './agents/loadtest/loadtest.agent';
import { CircuitBreakers } from './breakers/circuit-breakers.service';
import {
  AGENT_ENGINE_OPTIONS,
  resolveEngineOptions,
  type AgentEngineOptions,
} from './config/engine-options';
import type { AgentDefinition } from './contracts/agent-definition';
import { RunLimiter } from './limits/run-limiter.service';
import { EngineMetrics } from './metrics/engine-metrics.service';
import { AgentRegistry } from './registry/agent-registry.service';
import { registrationProvider, type AgentEngineFeature } from './registry/registration.provider';
import { ToolRegistry } from './registry/tool-registry.service';
import { AgentEngine } from './runner/agent-engine.service';
import { ToolInvoker } from './runner/tool-invoker.service';
import { CalculatorTool } from './tools/calculator/calculator.tool';
import { ClockTool } from './tools/clock/clock.tool';

/** One per `forFeature` call: holds that feature's agent and tool providers. */
@Module({})
class AgentEngineFeatureModule {}

/**
 * `forRoot` once in the app: the engine, its registries and the built-in agents and tools
 * (global, so features need not import it). `forFeature` in any module that brings agents or
 * tools of its own. Needs a prom-client `Registry` provider somewhere global.
 */
@Module({})
export class AgentEngineModule {
  static forRoot(options: AgentEngineOptions = {}): DynamicModule {
    const resolved = resolveEngineOptions(options);
    const agents: Type<AgentDefinition<unknown>>[] = [AssistantAgent];
    if (resolved.enableLoadtestAgent) agents.push(LoadtestAgent);
    if (resolved.llm !== undefined) agents.push(LlmAgent);
    const tools = [CalculatorTool, ClockTool];
    return {
      module: AgentEngineModule,
      global: true,
      providers: [
        { provide: AGENT_ENGINE_OPTIONS, useValue: resolved },
        AgentRegistry,
        ToolRegistry,
        EngineMetrics,
        CircuitBreakers,
        RunLimiter,
        ToolInvoker,
        AgentEngine,
        ...agents,
        ...tools,
        registrationProvider({ agents, tools }),
      ],
      exports: [AgentEngine, AgentRegistry, ToolRegistry, AGENT_ENGINE_OPTIONS],
    };
  }

  /** Registers an app's own agents and tools (`@Injectable()` classes) with the engine. */
  static forFeature(feature: AgentEngineFeature): DynamicModule {
    const classes = [...(feature.agents ?? []), ...(feature.tools ?? [])];
    return {
      module: AgentEngineFeatureModule,
      imports: feature.imports ?? [],
      providers: [...classes, registrationProvider(feature)],
    };
  }
}
