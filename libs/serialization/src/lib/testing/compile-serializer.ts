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
  options: SerializationOptions = {},
): Promise<CompiledSerializer> {
  const registry = new Registry();
  const moduleRef = await Test.createTestingModule({
    imports: [
      {
        module: class MetricsRegistryModule {},
        global: true,
        providers: [{ provide: Registry, useValue: registry }],
        exports: [Registry],
      },
      SerializationModule.forRoot(options),
    ],
  }).compile();
  moduleRef.enableShutdownHooks();
  await moduleRef.init();
  return { moduleRef, serializer: moduleRef.get(PayloadSerializer), registry };
}
