import { join } from 'node:path';

/** Pass as `recipeModules` to load the misbehaving recipes into the workers. */
export const TEST_RECIPE_MODULES = [join(__dirname, 'test-recipes.fixture.ts')];
