import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/**
 * A private `redis-server` on a free port, for tests that pause it (SIGSTOP) to play a hung
 * Redis, or on a chosen one, to play a Redis that comes up late. Nothing is written to disk.
 * Always `stop()` it in afterAll.
 */
export class TestRedisServer {
  private constructor(
    private readonly process: ChildProcess,
    readonly port: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A new `redis-server` on `port`, or on a free one; resolves once it answers PING. */
  static async start(port?: number): Promise<TestRedisServer> {
    port ??= await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const server = new TestRedisServer(child, port);
    try {
      await server.waitUntilAnswering(5000);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Freezes the server: connections stay open, nothing is answered. */
  pause(): void {
    this.process.kill('SIGSTOP');
  }

  resume(): void {
    this.process.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill('SIGKILL');
    await exited;
  }

  /** How many connections the server holds open, not counting the one that asks. */
  async otherConnections(): Promise<number> {
    const list = await clientList(this.port);
    return list.trim().split('\n').length - 1;
  }

  private async waitUntilAnswering(deadlineMs: number): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (!(await answersPing(this.port))) {
      if (this.process.exitCode !== null)
        throw new Error('redis-server exited at start-up; is it on PATH?');
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${this.port} did not answer in time`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(200, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** `CLIENT LIST` over a connection of its own: one line per connection, this one included. */
async function clientList(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    let reply = Buffer.alloc(0);
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error(`redis-server on port ${port} did not answer CLIENT LIST`));
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write('CLIENT LIST\r\n'));
    socket.on('data', (data) => {
      reply = Buffer.concat([reply, data]);
      // A bulk string: `$<length>\r\n<text>\r\n`.
      const header = reply.indexOf('\r\n');
      if (header < 0) return;
      const length = Number(reply.subarray(1, header).toString());
      if (reply.length < header + 2 + length + 2) return;
      socket.destroy();
      resolve(reply.subarray(header + 2, header + 2 + length).toString());
    });
  });
}
