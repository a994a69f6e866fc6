import { NESTED_STATE_RECIPE, nestedStateRecipe } from './nested-state.recipe';
import { registerRecipe } from './recipe-registry';

export function registerBuiltinRecipes(): void {
  registerRecipe(NESTED_STATE_RECIPE, nestedStateRecipe);
}
