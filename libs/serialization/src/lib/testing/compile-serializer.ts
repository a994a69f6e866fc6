import { deferredValue } from '@agent-gateway/events';
import { Test, type TestingModule } from '@nestjs/testing';
import { Registry } from 'prom-client';
import type { SerializationOptions } from '../config/serialization-options';
import { SerializationModule } from '../serialization.module';
import { PayloadSerializer } from '../serializer/payload-serializer.service';

export interface CompiledSerializer {
  moduleRef: TestingModule;
  serializer: PayloadSerializer;
  registry: Registry;
}

/**
 * Boots `SerializationModule` the way the gateway does: a global module supplies the one
 * prom-client `Registry`. Every spec closes `moduleRef`, which shuts the pool down.
 */
export async function compileSerializer(
  options: SerializationOptions & { skipWarmUp?: boolean } = {},
): Promise<CompiledSerializer> {
  const { skipWarmUp = false, ...serializationOptions } = options;
  const registry = new Registry();
  const moduleRef = await Test.createTestingModule({
    imports: [
      {
        module: class MetricsRegistryModule {},
        global: true,
        providers: [{ provide: Registry, useValue: registry }],
        exports: [Registry],
      },
      SerializationModule.forRoot(serializationOptions),
    ],
  }).compile();
  moduleRef.enableShutdownHooks();
  await moduleRef.init();
  const serializer = moduleRef.get(PayloadSerializer);
  if (!skipWarmUp) await whenWorkersServe(serializer);
  return { moduleRef, serializer, registry };
}

/**
 * Workers started from TypeScript sources compile on load, which takes long enough on a busy
 * machine to eat a small `timeoutMs`: specs start (or go on after a worker was replaced) once
 * a worker has answered.
 */
export async function whenWorkersServe(serializer: PayloadSerializer): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const result = await serializer.serialize({
      warmUp: deferredValue('nested-state', { bytes: 1 }),
    });
    if (result.encoding === 'json-bytes') return;
  }
  throw new Error('The serialization workers did not start; run one worker by hand to see why.');
}
