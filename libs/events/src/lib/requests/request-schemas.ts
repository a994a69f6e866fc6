import { z } from 'zod';

export const THREAD_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const threadIdSchema = z
  .string()
  .regex(THREAD_ID_PATTERN, 'must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-"');

const agentNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 characters of A-Z, a-z, 0-9, "_" or "-"');

const idSchema = z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters');

/**
 * `text` length is not capped here: over `MAX_MESSAGE_CHARS` is `payload_too_large`, not
 * `invalid_request`, and the limit is configuration.
 */
export const chatSendSchema = z.object({
  threadId: threadIdSchema.optional(),
  text: z.string().refine((text) => text.trim().length > 0, 'must not be empty'),
  agent: agentNameSchema.optional(),
  clientMessageId: idSchema.optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const threadSubscribeSchema = z.object({
  threadId: threadIdSchema,
  afterSeq: z.number().int().min(0).optional(),
  /** The `logId` of the reply that `afterSeq` counts from (an extension of the contract). */
  logId: idSchema.optional(),
});

export const threadUnsubscribeSchema = z.object({ threadId: threadIdSchema });

export const threadHistorySchema = z.object({
  threadId: threadIdSchema,
  limit: z.number().int().positive().optional(),
});

export const runCancelSchema = z.object({ runId: idSchema });

export type ChatSendRequest = z.infer<typeof chatSendSchema>;
export type ThreadSubscribeRequest = z.infer<typeof threadSubscribeSchema>;
export type ThreadUnsubscribeRequest = z.infer<typeof threadUnsubscribeSchema>;
export type ThreadHistoryRequest = z.infer<typeof threadHistorySchema>;
export type RunCancelRequest = z.infer<typeof runCancelSchema>;

/** Request name to schema: the gateway validates every request through this one table. */
export const REQUEST_SCHEMAS = {
  'chat:send': chatSendSchema,
  'thread:subscribe': threadSubscribeSchema,
  'thread:unsubscribe': threadUnsubscribeSchema,
  'thread:history': threadHistorySchema,
  'run:cancel': runCancelSchema,
} as const;

export type RequestName = keyof typeof REQUEST_SCHEMAS;
