import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { AgentEngineModule } from './agent-engine.module';
import type { AgentDefinition, AgentRunContext } from './contracts/agent-definition';
import type { ToolDefinition } from './contracts/tool-definition';
import { AgentEngine } from './runner/agent-engine.service';
import { createEngineTestApp } from '../test-support/engine-test-module';
import { RecordingSink } from '../test-support/recording-sink';

@Injectable()
class GreetingService {
  greet(name: string): string {
    return `Bonjour, ${name}`;
  }
}

@Injectable()
class ShoutTool implements ToolDefinition<{ text: string }> {
  readonly name = 'shout';
  readonly description = 'Upper-cases text.';
  readonly argsSchema = z.object({ text: z.string() });
  readonly idempotent = true;

  execute({ text }: { text: string }): Promise<string> {
    return Promise.resolve(text.toUpperCase());
  }
}

/** An agent of another app, with a dependency of its own, using its own tool. */
@Injectable()
class FrenchAgent implements AgentDefinition {
  readonly name = 'french';
  constructor(private readonly greetings: GreetingService) {}

  async run({ input, callTool }: AgentRunContext): Promise<string> {
    const shouted = await callTool('shout', { text: this.greetings.greet(input) });
    return shouted.ok ? String(shouted.result) : shouted.error;
  }
}

@Module({ providers: [GreetingService], exports: [GreetingService] })
class GreetingModule {}

/** How another app's module brings its agents: their dependencies come from `imports`. */
@Module({
  imports: [
    AgentEngineModule.forFeature({
      agents: [FrenchAgent],
      tools: [ShoutTool],
      imports: [GreetingModule],
    }),
  ],
})
class FrenchModule {}

describe('AgentEngineModule', () => {
  it('registers another app’s agents and tools through forFeature, built by DI', async () => {
    const app = await createEngineTestApp({}, [FrenchModule]);
    try {
      const engine = app.moduleRef.get(AgentEngine);
      expect(engine.agentNames()).toEqual(['assistant', 'french']);

      const sink = new RecordingSink();
      const outcome = await engine.start(
        { runId: 'f1', threadId: 't', userId: 'u', agent: 'french', input: 'Ada', history: [] },
        sink,
      ).done;

      expect(outcome).toMatchObject({ status: 'completed', output: 'BONJOUR, ADA' });
      expect(sink.typesOf('f1')).toEqual([
        'agent_started',
        'tool_executing',
        'tool_completed',
        'agent_completed',
      ]);
    } finally {
      await app.moduleRef.close();
    }
  });

  it('refuses to start when two agents share a name', async () => {
    @Injectable()
    class AnotherAssistant implements AgentDefinition {
      readonly name = 'assistant';
      run(): Promise<string> {
        return Promise.resolve('impostor');
      }
    }

    await expect(
      createEngineTestApp({}, [AgentEngineModule.forFeature({ agents: [AnotherAssistant] })]),
    ).rejects.toThrow('agent "assistant" is registered twice');
  });

  it('refuses a name that could not travel in a request or a metric label', async () => {
    @Injectable()
    class BadlyNamed implements AgentDefinition {
      readonly name = 'has spaces';
      run(): Promise<string> {
        return Promise.resolve('');
      }
    }

    await expect(
      createEngineTestApp({}, [AgentEngineModule.forFeature({ agents: [BadlyNamed] })]),
    ).rejects.toThrow('cannot register agent "has spaces"');
  });
});
