import { randomUUID } from 'node:crypto';
import { backOff } from 'exponential-backoff';
import type { EventEnvelope } from '@agent-gateway/events';
import type { RealtimeRedis } from '../redis/realtime-redis.service';
import type { EventLogStore, LogPosition, UnsequencedEnvelope } from './event-log.store';
import {
  decodeSequenced,
  encodeUnsequencedParts,
  storedPayloadJson,
} from './stored-envelope.codec';
import { withSeq } from './with-seq';

/** How long a thread's seq counter outlives its last event, so numbering never restarts. */
const SEQ_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** How long an append remembers its event id, for retries of a reply that timed out. */
const APPENDED_TTL_MS = 60_000;
const APPEND_RETRY = {
  numOfAttempts: 4,
  startingDelay: 100,
  maxDelay: 1000,
  jitter: 'full',
} as const;
/** Old entries examined per append for trimming: bounds the work any one append does. */
const TRIM_SCAN = 64;

/**
 * Gives the next seq and stores the entry in one atomic step, then trims entries that are both
 * beyond the newest `retention` and older than the window. An event id appended before returns
 * its first seq and stores nothing. KEYS: seq counter, events zset, the event id's marker, log id.
 * ARGV: entry head (`<ts>\n<header>\n`), retention, cutoff ts, events TTL ms, seq TTL ms,
 * marker TTL ms, entry payload, a new log id. Redis joins head and payload, so the gateway never
 * copies a large payload to append it. The first seq of a numbering names it with the new log id,
 * unless a subscribe named it already (`POSITION_SCRIPT`); counter and log id are given the same
 * expiry in the same call, so they go together and a numbering that starts again from 1 is named
 * anew.
 */
const APPEND_SCRIPT = `
local appended = redis.call('GET', KEYS[3])
if appended then return tonumber(appended) end
local seq = redis.call('INCR', KEYS[1])
redis.call('SET', KEYS[3], seq, 'PX', ARGV[6])
redis.call('ZADD', KEYS[2], seq, seq .. '\\n' .. ARGV[1] .. ARGV[7])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[2])
if excess > 0 then
  local candidates = redis.call('ZRANGE', KEYS[2], 0, math.min(excess, ${TRIM_SCAN}) - 1)
  for _, member in ipairs(candidates) do
    local ts = tonumber(string.match(member, '^%d+\\n(%d+)\\n'))
    if ts and ts < tonumber(ARGV[3]) then redis.call('ZREM', KEYS[2], member) else break end
  end
end
if seq == 1 then redis.call('SET', KEYS[4], ARGV[8], 'NX') end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[4], ARGV[5])
return seq
`;

/**
 * The thread's last seq and log id, naming the numbering if nothing has yet (a thread with no
 * event, or one numbered before log ids existed). A counter's new name expires with it, as the
 * appends keep the two (a name that outlived its counter would name the next numbering too).
 * KEYS: seq counter, log id. ARGV: a new log id, the TTL ms of one with no counter.
 */
const POSITION_SCRIPT = `
local seq = redis.call('GET', KEYS[1])
local logId = redis.call('GET', KEYS[2])
if not logId then
  logId = ARGV[1]
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl <= 0 then ttl = ARGV[2] end
  redis.call('SET', KEYS[2], logId, 'PX', ttl)
end
return { seq or '0', logId }
`;

/** The shared log: every gateway process on the same Redis numbers and replays the same way. */
export class RedisEventLogStore implements EventLogStore {
  private readonly readsInFlight = new Map<string, Promise<EventEnvelope[]>>();

  constructor(
    private readonly redis: RealtimeRedis,
    private readonly retention: number,
    private readonly retentionMs: number,
  ) {}

  /**
   * A Redis blip must not lose a durable event, so a failed append is tried again, with backoff
   * and jitter. The event's id makes that safe: when the first attempt ran but its reply timed
   * out, the script finds the id and returns the seq it gave, instead of storing the event twice.
   */
  async append(threadId: string, envelope: UnsequencedEnvelope): Promise<EventEnvelope> {
    const payloadJson = storedPayloadJson(envelope);
    const entry = encodeUnsequencedParts(envelope, payloadJson);
    const eventId = randomUUID();
    const seq = await backOff(() => this.appendOnce(threadId, entry, eventId), APPEND_RETRY);
    // The stored text goes along (`PAYLOAD_JSON`): the wire and PUBLISH write it, not the object.
    return withSeq(envelope, seq, undefined, payloadJson);
  }

  private async appendOnce(
    threadId: string,
    [head, payload]: [Buffer, Buffer],
    eventId: string,
  ): Promise<number> {
    const seq = await this.redis.bounded('append', (client) =>
      client.eval(APPEND_SCRIPT, {
        keys: [
          seqKey(threadId),
          eventsKey(threadId),
          appendedKey(threadId, eventId),
          logIdKey(threadId),
        ],
        arguments: [
          head,
          String(this.retention),
          String(Date.now() - this.retentionMs),
          String(this.retentionMs),
          String(SEQ_TTL_MS),
          String(APPENDED_TTL_MS),
          payload,
          randomUUID(),
        ],
      }),
    );
    return Number(seq);
  }

  /**
   * Identical reads in flight share one Redis round trip: when a large event is announced (see
   * `LoggedEventNotice`), or many clients resume a thread at once, every follower in this process
   * asks for the same page, and each answer would otherwise copy it out of the reply again.
   * Callers only read the envelopes they get.
   */
  readAfter(threadId: string, afterSeq: number, limit: number): Promise<EventEnvelope[]> {
    const key = `${threadId}\n${afterSeq}\n${limit}`;
    const inFlight = this.readsInFlight.get(key);
    if (inFlight !== undefined) return inFlight;
    const read = this.readAfterOnce(threadId, afterSeq, limit).finally(() =>
      this.readsInFlight.delete(key),
    );
    this.readsInFlight.set(key, read);
    return read;
  }

  private async readAfterOnce(
    threadId: string,
    afterSeq: number,
    limit: number,
  ): Promise<EventEnvelope[]> {
    const entries = await this.redis.bounded('readAfter', (client) =>
      client.zRange(eventsKey(threadId), `(${afterSeq}`, '+inf', {
        BY: 'SCORE',
        LIMIT: { offset: 0, count: limit },
      }),
    );
    return (entries as unknown as Buffer[]).map(decodeSequenced);
  }

  async lastSeq(threadId: string): Promise<number> {
    const value = await this.redis.bounded('lastSeq', (client) => client.get(seqKey(threadId)));
    return value ? Number(value.toString()) : 0;
  }

  async position(threadId: string): Promise<LogPosition> {
    const reply = await this.redis.bounded('position', (client) =>
      client.eval(POSITION_SCRIPT, {
        keys: [seqKey(threadId), logIdKey(threadId)],
        arguments: [randomUUID(), String(SEQ_TTL_MS)],
      }),
    );
    const [seq, logId] = reply as unknown as [Buffer, Buffer];
    return { lastSeq: Number(seq.toString()), logId: logId.toString() };
  }

  /** Redis trims on append and expires idle threads by itself. */
  async sweep(): Promise<number> {
    return 0;
  }
}

// The braces are a Redis Cluster hash tag: both keys of a thread land in the same slot.
function seqKey(threadId: string): string {
  return `agent-gateway:thread:{${threadId}}:seq`;
}

function eventsKey(threadId: string): string {
  return `agent-gateway:thread:{${threadId}}:events`;
}

function logIdKey(threadId: string): string {
  return `agent-gateway:thread:{${threadId}}:log-id`;
}

function appendedKey(threadId: string, eventId: string): string {
  return `agent-gateway:thread:{${threadId}}:appended:${eventId}`;
}
