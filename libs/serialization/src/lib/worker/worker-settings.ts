import type { JsonValue, TruncationReason } from '@agent-gateway/events';

/** Handed to every worker as `workerData`: the limits it serializes under. */
export interface WorkerSettings {
  maxDepth: number;
  maxStringChars: number;
  maxEventBytes: number;
  /** Absolute paths of modules that register more recipes. */
  recipeModules: string[];
  /** The nice value the worker gives its own thread on start; 0 leaves it alone. */
  workerThreadNice: number;
}

/** One task: JSON-safe data that may still hold `DeferredValue`s for the worker to build. */
export interface SerializeTask {
  value: JsonValue;
  /**
   * The records inside `value` that are `DeferredValue`s, the very objects: a structured clone
   * keeps shared references within one message, and drops the brand `deferredValue` gives. Any
   * other record is data, whatever its keys (a `$deferred` in a tool's result is not a recipe).
   */
  deferred?: readonly JsonValue[];
  /**
   * Answer in a `SharedArrayBuffer` (counted by no isolate) rather than a transferred
   * `ArrayBuffer`; see `SharedResultBudget`. Absent: transferred.
   */
  shared?: boolean;
  /**
   * How deep inside its payload `value` sits (a piece the sliced encoder hands over), so that
   * the depth limit counts from the payload's root. Absent: 0, the whole payload.
   */
  depth?: number;
}

/** The worker answers with the UTF-8 JSON (shared or transferred, never copied) or why there is none. */
export type SerializeTaskResult =
  | ArrayBuffer
  | SharedArrayBuffer
  | { truncated: true; reason: TruncationReason; originalBytes?: number };
