import { z } from 'zod';

const MiB = 1024 * 1024;

/**
 * `options` of the `loadtest` agent, as PROTOCOL.md lists them. Unknown keys are refused so a
 * typo (`event` for `events`) fails loudly instead of running a different drill.
 */
export const loadtestOptionsSchema = z.strictObject({
  /** Durable `agent_thinking` events to send. */
  events: z.number().int().min(0).max(100_000).default(5),
  /** Characters of each event's `text`. */
  payloadBytes: z.number().int().min(0).max(MiB).default(64),
  /** Approximate size of the nested object in the output, built by the serialization workers. */
  stateBytes: z
    .number()
    .int()
    .min(0)
    .max(64 * MiB)
    .default(0),
  /** Pause between events. */
  intervalMs: z.number().int().min(0).max(60_000).default(0),
  /** Share of runs, 0 to 1, that fail half-way. */
  failRate: z.number().min(0).max(1).default(0),
  /** Pause before the first event, to drill timeouts. */
  hangMs: z.number().int().min(0).max(600_000).default(0),
});

export type LoadtestOptions = z.infer<typeof loadtestOptionsSchema>;
