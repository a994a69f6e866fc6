import type { DeferredValue } from '@agent-gateway/events';

/** Builds the value a `DeferredValue` stands for, from its JSON `args`. Runs in a worker. */
export type Recipe = (args: DeferredValue['args']) => unknown;

// One registry per thread: recipes are code, registered when a worker loads its modules.
const recipes = new Map<string, Recipe>();

/** Registers a recipe in this thread; call it at the top level of a module in `recipeModules`. */
export function registerRecipe(name: string, recipe: Recipe): void {
  if (recipes.has(name) && recipes.get(name) !== recipe) {
    throw new Error(`Recipe "${name}" is already registered; give the new recipe another name.`);
  }
  recipes.set(name, recipe);
}

export function buildDeferred(value: DeferredValue): unknown {
  const recipe = recipes.get(value.$deferred);
  if (recipe === undefined) {
    throw new Error(
      `No recipe "${value.$deferred}" in the serialization worker (known: ${[...recipes.keys()].join(', ')}); ` +
        'register it in a module listed in SerializationOptions.recipeModules.',
    );
  }
  return recipe(value.args);
}
