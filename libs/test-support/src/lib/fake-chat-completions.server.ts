import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

/** How the server answers one request; scripts are used in order, one per request. */
export type Responder = (response: ServerResponse, request: IncomingMessage) => void;

/**
 * A local OpenAI-compatible Chat Completions endpoint speaking the streaming protocol, on
 * 127.0.0.1 and a random port, so the llm agent is tested against real HTTP and real sockets.
 */
export class FakeChatCompletionsServer {
  readonly requests: RecordedRequest[] = [];
  /** Requests whose connection the client closed before the response ended. */
  abortedRequests = 0;
  private readonly server: Server;
  private responders: Responder[] = [];

  constructor() {
    this.server = createServer((request, response) => {
      let raw = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (raw += chunk));
      request.on('end', () => {
        this.requests.push({
          path: request.url ?? '',
          headers: request.headers,
          body: JSON.parse(raw) as Record<string, unknown>,
        });
        response.on('close', () => {
          if (!response.writableFinished) this.abortedRequests += 1;
        });
        const responder = this.responders.shift();
        if (responder === undefined) {
          response.writeHead(500).end('no scripted response left');
          return;
        }
        responder(response, request);
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  script(...responders: Responder[]): void {
    this.responders.push(...responders);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function startStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  response.flushHeaders();
}

export function sendChunk(response: ServerResponse, chunk: unknown): void {
  response.write(`data: ${JSON.stringify(chunk)}\n\n`);
}

export function textChunk(content: string, finishReason: string | null = null): unknown {
  return { choices: [{ index: 0, delta: { content }, finish_reason: finishReason }] };
}

export function toolCallChunk(
  index: number,
  part: { id?: string; name?: string; arguments?: string },
  finishReason: string | null = null,
): unknown {
  const call = {
    index,
    ...(part.id ? { id: part.id, type: 'function' } : {}),
    function: { ...(part.name ? { name: part.name } : {}), arguments: part.arguments ?? '' },
  };
  return { choices: [{ index: 0, delta: { tool_calls: [call] }, finish_reason: finishReason }] };
}

/** A complete, well-formed streamed answer. */
export function streamText(...deltas: string[]): Responder {
  return (response) => {
    startStream(response);
    for (const delta of deltas) sendChunk(response, textChunk(delta));
    sendChunk(response, textChunk('', 'stop'));
    response.end('data: [DONE]\n\n');
  };
}
