import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

const ROOT = join(__dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'dist', 'apps', 'gateway', 'main.js');
/** The node flags the gateway runs with (apps/gateway/project.json `runtimeArgs`, README). */
export const GATEWAY_NODE_FLAGS = ['--single-threaded-gc'];

/** Whether `npx nx build gateway` has produced the bundle the benchmarks start. */
export function gatewayIsBuilt(): boolean {
  return existsSync(BUNDLE);
}

/** The built gateway in a child process, as production runs it, for benchmarks and drills. */
export class GatewayProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(
    env: Record<string, string>,
    port: number,
    options: { preload?: string[] } = {},
  ): Promise<GatewayProcess> {
    if (!gatewayIsBuilt())
      throw new Error(`${BUNDLE} is missing: run "npx nx build gateway" first`);
    const preloads = [join(__dirname, 'gc-on-signal.js'), ...(options.preload ?? [])];
    const child = spawn(
      process.execPath,
      [...GATEWAY_NODE_FLAGS, '--expose-gc', ...preloads.flatMap((file) => ['-r', file]), BUNDLE],
      {
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
        // An IPC channel too, for preloads that answer questions (loop-delay-probe.js).
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    const gateway = new GatewayProcess(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        if ((await fetch(`${gateway.url}/health/live`)).ok) return gateway;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null)
        throw new Error(`gateway exited with ${child.exitCode} at start-up`);
      if (Date.now() > deadline) throw new Error('gateway did not start within 20 s');
      await sleep(100);
    }
  }

  /** The process as a child, for preloads that talk over IPC. */
  get process(): ChildProcess {
    return this.child;
  }

  /** Heap used and RSS in bytes, after two full collections. */
  async memoryAfterGc(): Promise<{ heapUsed: number; rss: number }> {
    for (let i = 0; i < 2; i += 1) {
      this.child.kill('SIGUSR2');
      await sleep(300);
    }
    const [heapUsed, rss] = await this.readMetrics(
      'agent_gateway_process_nodejs_heap_size_used_bytes',
      'agent_gateway_process_process_resident_memory_bytes',
    );
    return { heapUsed, rss };
  }

  /** CPU time (user and system, all threads) the gateway process has used, in seconds. */
  async cpuSeconds(): Promise<number> {
    const [seconds] = await this.readMetrics('agent_gateway_process_process_cpu_seconds_total');
    return seconds;
  }

  /** Values of series (a name, or a name with its labels), read from the gateway's own /metrics. */
  async readMetrics(...names: string[]): Promise<number[]> {
    const lines = (await (await fetch(`${this.url}/metrics`)).text()).split('\n');
    return names.map((name) => {
      const line = lines.find((candidate) => candidate.startsWith(`${name} `));
      if (!line) throw new Error(`metric ${name} missing`);
      return Number(line.split(' ')[1]);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once. */
export async function pool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** A socket.io-client over websocket, resolved once connected; no reconnection unless asked. */
export function connectClient(
  url: string,
  userId: string,
  options: Partial<ManagerOptions & SocketOptions> = { reconnection: false },
): Promise<Socket> {
  const socket = io(url, {
    auth: { userId },
    transports: ['websocket'],
    forceNew: true,
    ...options,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}
