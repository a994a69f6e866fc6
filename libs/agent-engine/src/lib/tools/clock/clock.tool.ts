import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { ToolDefinition } from '../../contracts/tool-definition';
import { ToolFailure } from '../../contracts/tool-failure.error';

const clockArgs = z.object({
  timeZone: z
    .string()
    .max(64)
    .optional()
    .describe('IANA time zone such as "Europe/Paris"; UTC when omitted'),
});
type ClockArgs = z.infer<typeof clockArgs>;

export interface ClockResult {
  iso: string;
  epochMs: number;
  timeZone: string;
  local: string;
}

@Injectable()
export class ClockTool implements ToolDefinition<ClockArgs> {
  readonly name = 'clock';
  readonly description = 'Tells the current date and time, in UTC or a given time zone.';
  readonly argsSchema = clockArgs;
  readonly idempotent = true;

  execute({ timeZone = 'UTC' }: ClockArgs): Promise<ClockResult> {
    const now = new Date();
    let local: string;
    try {
      local = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        dateStyle: 'full',
        timeStyle: 'long',
      }).format(now);
    } catch {
      return Promise.reject(
        new ToolFailure(`unknown time zone "${timeZone}"; use an IANA name such as "Europe/Paris"`),
      );
    }
    return Promise.resolve({ iso: now.toISOString(), epochMs: now.getTime(), timeZone, local });
  }
}
