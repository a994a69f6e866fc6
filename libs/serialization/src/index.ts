export * from './lib/config/serialization-options';
export * from './lib/safe-json/safe-json-markers';
export { toSafeJson, type SafeJsonOptions } from './lib/safe-json/to-safe-json';
export * from './lib/serializer/serialized-payload';
export * from './lib/serializer/payload-serializer.service';
export * from './lib/serialization.module';
export { registerRecipe, type Recipe } from './lib/recipes/recipe-registry';
export { NESTED_STATE_RECIPE, buildNestedState } from './lib/recipes/nested-state.recipe';
export { BUNDLED_WORKER_FILENAME } from './lib/worker/worker-launch';
