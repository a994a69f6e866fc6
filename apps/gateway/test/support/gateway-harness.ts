import type { INestApplication } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapGateway, stopGateway } from '../../src/app/bootstrap';
import { loadGatewayConfig, type GatewayConfig } from '../../src/app/config/gateway-config';

export interface RunningGateway {
  app: INestApplication;
  config: GatewayConfig;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/**
 * Boots the real gateway on a free port with a fresh `DATA_DIR`, configured from `env` exactly as
 * the process would be. The caller closes it (afterEach/afterAll).
 */
export async function startGateway(env: Record<string, string> = {}): Promise<RunningGateway> {
  const ownDataDir = env['DATA_DIR'] === undefined;
  const dataDir = env['DATA_DIR'] ?? (await mkdtemp(join(tmpdir(), 'agent-gateway-e2e-')));
  const config = loadGatewayConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    ...env,
  });
  const app = await bootstrapGateway(config);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  return {
    app,
    config,
    url,
    dataDir,
    async close() {
      await stopGateway(app);
      if (ownDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
