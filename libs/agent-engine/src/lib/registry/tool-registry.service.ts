import { Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import type { ToolDefinition, ToolDescriptor } from '../contracts/tool-definition';
import { assertRegistrableName } from './registry-name';

/** Every tool agents can call, filled by `AgentEngineModule.forRoot` and `forFeature`. */
@Injectable()
export class ToolRegistry {
  private readonly logger = new Logger(ToolRegistry.name);
  private readonly tools = new Map<string, ToolDefinition<unknown>>();
  private descriptorCache: readonly ToolDescriptor[] | undefined;

  register(tool: ToolDefinition<unknown>): void {
    assertRegistrableName('tool', tool.name);
    if (this.tools.has(tool.name)) {
      throw new Error(`tool "${tool.name}" is registered twice; give one of them another name`);
    }
    this.tools.set(tool.name, tool);
    this.descriptorCache = undefined;
    this.logger.log(`registered tool ${tool.name}`);
  }

  get(name: string): ToolDefinition<unknown> | undefined {
    return this.tools.get(name);
  }

  names(): string[] {
    return [...this.tools.keys()].sort();
  }

  /** Built once per registration change: JSON Schema conversion is not free. */
  descriptors(): readonly ToolDescriptor[] {
    this.descriptorCache ??= [...this.tools.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((tool) => ({
        name: tool.name,
        description: tool.description,
        parameters: z.toJSONSchema(tool.argsSchema, { io: 'input' }) as Record<string, unknown>,
      }));
    return this.descriptorCache;
  }
}
