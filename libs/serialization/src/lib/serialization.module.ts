import { Module, type DynamicModule } from '@nestjs/common';
import {
  SERIALIZATION_OPTIONS,
  resolveSerializationOptions,
  type SerializationOptions,
} from './config/serialization-options';
import { SerializationMetrics } from './metrics/serialization.metrics';
import { SerializationWorkerPool } from './pool/serialization-worker-pool';
import { PayloadSerializer } from './serializer/payload-serializer.service';

/**
 * Provides `PayloadSerializer`. Needs a prom-client `Registry` provider in scope (the gateway
 * provides one globally; tests provide `{ provide: Registry, useValue: new Registry() }`).
 */
@Module({})
export class SerializationModule {
  static forRoot(options: SerializationOptions = {}): DynamicModule {
    return {
      module: SerializationModule,
      global: true,
      providers: [
        { provide: SERIALIZATION_OPTIONS, useValue: resolveSerializationOptions(options) },
        SerializationMetrics,
        SerializationWorkerPool,
        PayloadSerializer,
      ],
      exports: [PayloadSerializer, SERIALIZATION_OPTIONS],
    };
  }
}
