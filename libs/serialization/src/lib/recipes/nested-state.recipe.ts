import type { DeferredValue } from '@agent-gateway/events';

export const NESTED_STATE_RECIPE = 'nested-state';

interface NestedStateItem {
  id: string;
  title: string;
  score: number;
  tags: string[];
  meta: { version: number; active: boolean; note: string };
}

const FANOUT = 16;

/**
 * An agent state of about `bytes` bytes of JSON: sections of groups of items, each item with
 * strings, numbers, an array and a nested object, like a real agent's working memory. The
 * `loadtest` agent asks for it with `deferredValue('nested-state', { bytes })`.
 */
export function nestedStateRecipe(args: DeferredValue['args']): unknown {
  const bytes = args['bytes'];
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) {
    throw new Error(
      `nested-state needs args { bytes: number >= 0 } (got ${JSON.stringify(args)}).`,
    );
  }
  return buildNestedState(bytes);
}

export function buildNestedState(bytes: number): Record<string, unknown> {
  // Every item has the same JSON length, so counting them is enough to hit the size.
  const itemBytes = JSON.stringify(item(0)).length + 1;
  const items = Math.max(1, Math.round(bytes / itemBytes));
  const state: Record<string, Record<string, NestedStateItem[]>> = {};
  for (let index = 0; index < items; index++) {
    const section = `section-${String(index % FANOUT).padStart(2, '0')}`;
    const group = `group-${String(Math.floor(index / FANOUT) % FANOUT).padStart(2, '0')}`;
    const groups = (state[section] ??= {});
    (groups[group] ??= []).push(item(index));
  }
  return state;
}

function item(index: number): NestedStateItem {
  const id = String(index).padStart(9, '0');
  return {
    id: `item-${id}`,
    title: `Observation ${id} about the conversation so far`,
    score: 1000 + (index % 9000),
    tags: ['memory', `t${id.slice(-3)}`, 'agent'],
    meta: { version: index % 10, active: index % 2 === 0, note: `note ${id}: keep for context` },
  };
}
