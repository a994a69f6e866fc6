import type { z } from 'zod';
import { RequestError } from '../replies/reply';

/**
 * Validates a request body, throwing `invalid_request` with a message that names every wrong
 * field, e.g. `threadId: must be 1 to 64 characters ...; text: must not be empty`.
 */
export function parseRequest<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const message = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
  throw new RequestError('invalid_request', message);
}
