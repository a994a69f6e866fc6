import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import type { ToolDefinition, ToolDescriptor } from '../contracts/tool-definition';
import { errorMessage } from '../shared/abortable';
import { assertRegistrableName } from './registry-name';

/** Every tool agents can call, filled by `AgentEngineModule.forRoot` and `forFeature`. */
@Injectable()
export class ToolRegistry {
  private readonly logger = new Logger(ToolRegistry.name);
  private readonly tools = new Map<string, ToolDefinition<unknown>>();
  private readonly descriptorsByName = new Map<string, ToolDescriptor>();
  private sortedDescriptors: readonly ToolDescriptor[] = [];

  register(tool: ToolDefinition<unknown>): void {
    assertRegistrableName('tool', tool.name);
    if (this.tools.has(tool.name)) {
      throw new Error(`tool "${tool.name}" is registered twice; give one of them another name`);
    }
    // Converted here so a schema JSON Schema cannot express fails at start-up, not in every run.
    let parameters: Record<string, unknown>;
    try {
      parameters = z.toJSONSchema(tool.argsSchema, { io: 'input' }) as Record<string, unknown>;
    } catch (error) {
      throw new Error(
        `cannot register tool "${tool.name}": its argsSchema has no JSON Schema form (${errorMessage(error)}); use plain zod types without transforms`,
      );
    }
    this.tools.set(tool.name, tool);
    this.descriptorsByName.set(tool.name, {
      name: tool.name,
      description: tool.description,
      parameters,
    });
    this.sortedDescriptors = [...this.descriptorsByName.values()].sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    this.logger.log(`registered tool ${tool.name}`);
  }

  get(name: string): ToolDefinition<unknown> | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()].sort();
  }

  descriptors(): readonly ToolDescriptor[] {
    return this.sortedDescriptors;
  }
}
