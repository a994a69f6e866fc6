import { buildNestedState, nestedStateRecipe } from './nested-state.recipe';
import { buildDeferred, registerRecipe } from './recipe-registry';

describe('nested-state recipe', () => {
  it.each([10_000, 100_000, 1_000_000])('builds about %i bytes of JSON', (bytes) => {
    const size = JSON.stringify(buildNestedState(bytes)).length;
    expect(size).toBeGreaterThan(bytes * 0.9);
    expect(size).toBeLessThan(bytes * 1.1);
  });

  it('nests sections, groups and items holding strings, numbers, arrays and objects', () => {
    const state = buildNestedState(50_000) as Record<string, Record<string, unknown[]>>;
    const sections = Object.keys(state);
    const firstItem = state[sections[0]]['group-00'][0];
    expect(sections.length).toBeGreaterThan(1);
    expect(firstItem).toMatchObject({
      id: expect.any(String) as string,
      tags: expect.any(Array) as unknown[],
      meta: expect.any(Object) as object,
    });
  });

  it('refuses args without a usable byte count, saying what it needs', () => {
    expect(() => nestedStateRecipe({ bytes: 'many' })).toThrow(
      /needs args \{ bytes: number >= 0 \}/,
    );
  });
});

describe('recipe registry', () => {
  it('builds a deferred value from its registered recipe', () => {
    registerRecipe('spec-echo', (args) => ({ echoed: args['value'] }));
    expect(buildDeferred({ $deferred: 'spec-echo', args: { value: 3 } })).toEqual({ echoed: 3 });
  });

  it('names the known recipes when asked for an unknown one', () => {
    registerRecipe('spec-known', () => null);
    expect(() => buildDeferred({ $deferred: 'spec-unknown', args: {} })).toThrow(
      /No recipe "spec-unknown".*spec-known/,
    );
  });

  it('refuses a second, different recipe under a taken name', () => {
    registerRecipe('spec-taken', () => 1);
    expect(() => registerRecipe('spec-taken', () => 2)).toThrow(/already registered/);
  });
});
