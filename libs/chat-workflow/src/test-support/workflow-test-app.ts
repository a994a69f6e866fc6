import { Global, Module, type INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import type { AgentEventDraft, AgentEventSink } from '@agent-gateway/events';
import { AgentEngineModule } from '@agent-gateway/agent-engine';
import {
  ConnectionRegistry,
  RealtimeModule,
  ThreadEventPublisher,
  ThreadSubscriptions,
  type GatewaySocket,
  type RealtimeOptions,
} from '@agent-gateway/realtime';
import { ChatWorkflowModule } from '../lib/chat-workflow.module';
import type { ChatWorkflowOptions } from '../lib/chat-workflow.options';
import { BackgroundWork } from '../lib/shared/background-work.service';
import { ChatWorkflowService } from '../lib/workflow/chat-workflow.service';
import type { RequestContext } from '../lib/workflow/request-context';

/**
 * Records what runs publish and, for each event, whether the run's sender was already subscribed
 * to the thread. Stands in for realtime's publisher, whose serializer comes from a lib this one
 * may not import; subscriptions, connections and the engine are the real ones.
 */
export class ObservingSink implements AgentEventSink {
  readonly events: (AgentEventDraft & { subscribers: string[] })[] = [];
  subscriptions: ThreadSubscriptions | undefined;
  readonly connectionIds: string[] = [];
  /** Called as each event is recorded, as a client would act on it the moment it arrives. */
  onRecorded: ((event: AgentEventDraft) => void) | undefined;

  async publish(event: AgentEventDraft): Promise<void> {
    this.onRecorded?.(event);
    const subscribers = this.connectionIds.filter(
      (connectionId) => this.subscriptions?.isSubscribed(connectionId, event.threadId) ?? false,
    );
    this.events.push({ ...event, subscribers });
  }

  ofRun(runId: string): AgentEventDraft[] {
    return this.events.filter((event) => event.runId === runId);
  }

  started(): AgentEventDraft[] {
    return this.events.filter((event) => event.type === 'agent_started');
  }
}

export interface WorkflowTestApp {
  app: INestApplicationContext;
  service: ChatWorkflowService;
  sink: ObservingSink;
  registry: Registry;
  /** A connected client of `userId`, registered with realtime like the gateway does. */
  connect(userId: string): RequestContext;
  /** Waits for the answers of finished runs and the cache refreshes to be written. */
  settle(): Promise<void>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

@Global()
@Module({})
class TestRegistryModule {
  static with(registry: Registry) {
    return {
      module: TestRegistryModule,
      providers: [{ provide: Registry, useValue: registry }],
      exports: [Registry],
    };
  }
}

let connectionCounter = 0;

/**
 * Boots the chat workflow with the real engine (loadtest agent on) and the real realtime module,
 * in process unless `realtime` names a Redis.
 */
export async function startWorkflowApp(
  options: ChatWorkflowOptions,
  realtime: Partial<RealtimeOptions> = {},
): Promise<WorkflowTestApp> {
  const registry = new Registry();
  const sink = new ObservingSink();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TestRegistryModule.with(registry),
      AgentEngineModule.forRoot({ enableLoadtestAgent: true }),
      RealtimeModule.forRoot(realtime),
      ChatWorkflowModule.forRoot(options),
    ],
  })
    .overrideProvider(ThreadEventPublisher)
    .useValue(sink)
    .compile();
  const app = await moduleRef.init();
  sink.subscriptions = app.get(ThreadSubscriptions);
  const connections = app.get(ConnectionRegistry);
  const service = app.get(ChatWorkflowService);

  return {
    app,
    service,
    sink,
    registry,
    connect(userId) {
      connectionCounter += 1;
      const socket = fakeSocket(`conn-${connectionCounter}`);
      connections.register(socket, userId);
      sink.connectionIds.push(socket.id);
      return { userId, connectionId: socket.id };
    },
    async settle() {
      await app.get(BackgroundWork, { strict: false }).drain();
    },
    async metric(name, labels = {}) {
      const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
      return values
        .filter((value) =>
          Object.entries(labels).every(([key, label]) => value.labels[key] === label),
        )
        .reduce((sum, value) => sum + value.value, 0);
    },
    async close() {
      await app.close();
    },
  };
}

/** Just enough of a socket.io socket for realtime's registry; delivery itself is not under test here. */
function fakeSocket(id: string): GatewaySocket {
  const socket = {
    id,
    emit: () => true,
    timeout: () => ({ emit: () => true }),
    volatile: { emit: () => true },
    disconnect: () => socket,
  };
  return socket as unknown as GatewaySocket;
}
