import { ENVELOPE_VERSION, type AgentEventDraft } from '@agent-gateway/events';
import type { SerializedPayload } from '@agent-gateway/serialization';
import type { UnsequencedEnvelope } from '../event-log/event-log.store';
import { PLAIN_PAYLOAD } from '../wire/proven-plain';

/**
 * The envelope of a run's event, before the log gives it a `seq`. Inline and truncated payloads
 * are plain JSON the serializer checked or made, and are marked so (`PLAIN_PAYLOAD`): the wire
 * encoder then frames them without socket.io's search for binary data. Two literals and no
 * spread: the cheap way to build an object on V8 (`event-log/with-seq.ts`).
 */
export function unsequencedEnvelope(
  event: Pick<AgentEventDraft, 'threadId' | 'runId' | 'type'>,
  ts: number,
  serialized: SerializedPayload,
): UnsequencedEnvelope {
  const { threadId, runId, type } = event;
  if (serialized.encoding === 'json-bytes') {
    const payload = serialized.bytes;
    return { v: ENVELOPE_VERSION, threadId, runId, type, ts, payload, payloadEncoding: 'json' };
  }
  const payload = serialized.value;
  return {
    v: ENVELOPE_VERSION,
    threadId,
    runId,
    type,
    ts,
    payload,
    [PLAIN_PAYLOAD]: payload,
  } as UnsequencedEnvelope;
}
