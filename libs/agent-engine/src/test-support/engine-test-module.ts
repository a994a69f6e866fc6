import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { AgentEngineModule } from '../lib/agent-engine.module';
import type { AgentEngineOptions } from '../lib/config/engine-options';

@Module({})
class TestMetricsModule {
  /** What the gateway does once for the whole app: one prom-client registry, global. */
  static withRegistry(registry: Registry): DynamicModule {
    return {
      module: TestMetricsModule,
      global: true,
      providers: [{ provide: Registry, useValue: registry }],
      exports: [Registry],
    };
  }
}

export interface EngineTestApp {
  moduleRef: TestingModule;
  metrics: Registry;
}

/** Boots the engine module as an app would, with a fresh metrics registry. Close `moduleRef`. */
export async function createEngineTestApp(
  options: AgentEngineOptions,
  imports: ModuleMetadata['imports'] = [],
): Promise<EngineTestApp> {
  const metrics = new Registry();
  const moduleRef = await Test.createTestingModule({
    imports: [
      TestMetricsModule.withRegistry(metrics),
      AgentEngineModule.forRoot(options),
      ...imports,
    ],
  }).compile();
  await moduleRef.init();
  return { moduleRef, metrics };
}
