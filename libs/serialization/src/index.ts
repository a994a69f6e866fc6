export * from './lib/config/serialization-options';
export * from './lib/safe-json/safe-json-markers';
export { toSafeJson, type SafeJsonOptions } from './lib/safe-json/to-safe-json';
export * from './lib/serializer/serialized-payload';
export * from './lib/serializer/payload-serializer.service';
export * from './lib/serialization.module';
