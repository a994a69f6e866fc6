import { AgentEngineModule } from '../lib/agent-engine.module';
import type { AgentEngineOptions } from '../lib/config/engine-options';
import type { RunHandle, RunRequest } from '../lib/contracts/run.types';
import { AgentEngine } from '../lib/runner/agent-engine.service';
import { createEngineTestApp, type EngineTestApp } from './engine-test-module';
import { ProgrammableAgent } from './programmable-agent';
import { IdempotentTestTool, SideEffectTestTool } from './programmable-tool';
import { RecordingSink } from './recording-sink';

/** An engine with the programmable agent and tools registered the way another app would. */
export interface EngineFixture extends EngineTestApp {
  engine: AgentEngine;
  agent: ProgrammableAgent;
  idempotentTool: IdempotentTestTool;
  sideEffectTool: SideEffectTestTool;
  sink: RecordingSink;
  run(overrides?: Partial<RunRequest>): RunHandle;
  close(): Promise<void>;
}

let runCounter = 0;

export async function createEngineFixture(
  options: AgentEngineOptions = {},
): Promise<EngineFixture> {
  // A test that leaves runs in flight should not hold `close()` for the default 10 s grace.
  const app = await createEngineTestApp({ shutdownGraceMs: 20, ...options }, [
    AgentEngineModule.forFeature({
      agents: [ProgrammableAgent],
      tools: [IdempotentTestTool, SideEffectTestTool],
    }),
  ]);
  const engine = app.moduleRef.get(AgentEngine);
  const sink = new RecordingSink();
  return {
    ...app,
    engine,
    sink,
    agent: app.moduleRef.get(ProgrammableAgent, { strict: false }),
    idempotentTool: app.moduleRef.get(IdempotentTestTool, { strict: false }),
    sideEffectTool: app.moduleRef.get(SideEffectTestTool, { strict: false }),
    run: (overrides = {}) => {
      runCounter += 1;
      return engine.start(
        {
          runId: `run-${runCounter}`,
          threadId: 'thread-1',
          userId: 'user-1',
          agent: 'programmable',
          input: 'hello',
          history: [],
          ...overrides,
        },
        sink,
      );
    },
    close: () => app.moduleRef.close(),
  };
}
