import { AgentGatewayClient, type AgentGatewayClientOptions } from '@agent-gateway/client';
import type { DecodedEventEnvelope } from '@agent-gateway/events';

export const oneTo = (n: number, from = 1): number[] =>
  Array.from({ length: n }, (_, i) => from + i);

export interface RecordedEvents {
  /** The durable seqs the application was handed for the thread, in the order it got them. */
  seqs: (threadId: string) => number[];
  /** Whether the application was handed the run's last event. */
  ended: (runId: string) => boolean;
  all: DecodedEventEnvelope[];
}

/** Records what the application is handed: durable seqs per thread, and whether a run ended. */
export function recordEvents(sdk: AgentGatewayClient): RecordedEvents {
  const all: DecodedEventEnvelope[] = [];
  sdk.onEvent((e) => all.push(e));
  return {
    all,
    seqs: (threadId) =>
      all.filter((e) => e.threadId === threadId && !e.ephemeral).map((e) => e.seq),
    ended: (runId) =>
      all.some(
        (e) => e.runId === runId && (e.type === 'agent_completed' || e.type === 'agent_error'),
      ),
  };
}

/** Resolves once `sdk` has lost its connection (by `drop`) and made a new one. */
export async function reconnected(sdk: AgentGatewayClient, drop: () => unknown): Promise<void> {
  const back = new Promise<void>((resolve) =>
    sdk.socket.once('disconnect', () => sdk.socket.once('connect', resolve)),
  );
  await drop();
  await back;
}

/**
 * SDK clients of a test, against the gateway `url()` names when each is made, reconnecting fast;
 * `closeAll` closes every one made so far.
 */
export function sdkClients(url: () => string): {
  client: (
    userId: string,
    socket?: AgentGatewayClientOptions['socket'],
    options?: Omit<AgentGatewayClientOptions, 'auth' | 'socket'>,
  ) => AgentGatewayClient;
  closeAll: () => void;
} {
  const made: AgentGatewayClient[] = [];
  return {
    client(userId, socket = {}, options = {}) {
      const created = new AgentGatewayClient(url(), {
        ...options,
        auth: { userId },
        socket: {
          transports: ['websocket'],
          reconnectionDelay: 50,
          reconnectionDelayMax: 200,
          ...socket,
        },
      });
      made.push(created);
      return created;
    },
    closeAll() {
      for (const created of made.splice(0)) created.close();
    },
  };
}
