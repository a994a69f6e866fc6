import { NestFactory } from '@nestjs/core';
import {
  PayloadSerializer,
  SerializationModule,
  type SerializationOptions,
} from '@agent-gateway/serialization';
import { deferredValue } from '@agent-gateway/events';
import { Registry } from 'prom-client';

export interface BenchSerializer {
  serializer: PayloadSerializer;
  close(): Promise<void>;
}

/** The lib as the gateway wires it: Nest DI, one global prom-client Registry. */
export async function startSerializer(options: SerializationOptions): Promise<BenchSerializer> {
  // As the gateway reads it, so that one variable sets both sides of an A/B run.
  const shared = process.env['SERIALIZATION_SHARED_RESULT_BYTES'];
  if (shared !== undefined && options.sharedResultBytes === undefined) {
    options = { ...options, sharedResultBytes: Number(shared) };
  }
  const app = await NestFactory.createApplicationContext(
    {
      module: class SerializationBenchModule {},
      imports: [
        {
          module: class MetricsRegistryModule {},
          global: true,
          providers: [{ provide: Registry, useValue: new Registry() }],
          exports: [Registry],
        },
        SerializationModule.forRoot(options),
      ],
    },
    { logger: ['error', 'warn'] },
  );
  const serializer = app.get(PayloadSerializer);
  // Workers compile from TypeScript on start; measure them warm, as a running gateway has them.
  for (let attempt = 0; attempt < 20; attempt++) {
    const result = await serializer.serialize({
      warm: deferredValue('nested-state', { bytes: 1 }),
    });
    if (result.encoding === 'json-bytes') break;
  }
  return { serializer, close: () => app.close() };
}
