import type Redis from 'ioredis';

/**
 * The live bus: how the notifications relay tells every gateway replica that something a
 * subscription may want happened (issue #20, docs/live.md). Two Redis structures, written
 * together by one script so that they never disagree on order:
 *
 * - a Stream (`marquee:live:events`) keeps every message for a retention window, under an id
 *   Redis gives (`<ms>-<seq>`, increasing). Those ids are the subscriptions' event ids: a client
 *   that reconnects says the last one it saw and the gateway replays what followed;
 * - a pub/sub channel (`marquee:live`) carries each message, with its stream id, to every
 *   gateway replica at once.
 *
 * A message names a topic (`user:<id>`, `movie:<id>`) and carries the event's keys only; the
 * notifications subgraph resolves the event into its schema's types when a gateway asks (the
 * subscription's primary fetch), so the subgraph stays the owner of what a subscriber sees.
 */
export const LIVE_STREAM_KEY = 'marquee:live:events';
export const LIVE_CHANNEL = 'marquee:live';

/** A new notification in a user's feed (created, or a coalesced one updated: its feed item is found by film). */
export interface NotificationLiveEvent {
  type: 'notification';
  userId: string;
  movieId: string;
  /** The domain event that caused it. */
  eventId: string;
}

export type MovieActivityLiveKind = 'RATING_SUMMARY_CHANGED' | 'FOLLOWER_COUNT_CHANGED';

/** A film's rating summary or follower count changed. */
export interface MovieActivityLiveEvent {
  type: 'movieActivity';
  movieId: string;
  kind: MovieActivityLiveKind;
}

export type LiveEvent = NotificationLiveEvent | MovieActivityLiveEvent;

/** One message as a gateway receives it: the stream id is its event id. */
export interface LiveMessage {
  id: string;
  topic: string;
  event: LiveEvent;
}

export const liveTopic = {
  user: (userId: string) => `user:${userId}`,
  movie: (movieId: string) => `movie:${movieId}`,
};

export function topicOf(event: LiveEvent): string {
  return event.type === 'notification' ? liveTopic.user(event.userId) : liveTopic.movie(event.movieId);
}

// XADD trims entries older than the window (MINID, approximately: whole nodes at a time) and
// PUBLISH sends the same message with its id; one script, so replicas see the stream's order.
const PUBLISH_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 't', ARGV[2], 'e', ARGV[3])
redis.call('PUBLISH', ARGV[4], id .. '\\n' .. ARGV[2] .. '\\n' .. ARGV[3])
return id`;

/** Writes live messages; every notifications replica has one (the relay and the follow mutations use it). */
export class LiveBusPublisher {
  constructor(
    private readonly redis: Redis,
    /** How long the stream keeps a message (LIVE_RETENTION_SECONDS): how far back a reconnect can resume. */
    private readonly retentionMs: number,
  ) {}

  /** Adds one message to the stream and the channel; resolves with its id. */
  async publish(event: LiveEvent, now = Date.now()): Promise<string> {
    const minId = String(Math.max(0, now - this.retentionMs));
    const id = await this.redis.eval(PUBLISH_SCRIPT, 1, LIVE_STREAM_KEY, minId, topicOf(event), JSON.stringify(event), LIVE_CHANNEL);
    return String(id);
  }
}

/** A channel message back into its parts; undefined for anything else on the channel. */
export function parseLiveMessage(raw: string): LiveMessage | undefined {
  const a = raw.indexOf('\n');
  const b = raw.indexOf('\n', a + 1);
  if (a < 0 || b < 0) return undefined;
  const event = parseEvent(raw.slice(b + 1));
  return event && { id: raw.slice(0, a), topic: raw.slice(a + 1, b), event };
}

function parseEvent(json: string): LiveEvent | undefined {
  try {
    const e = JSON.parse(json) as Partial<LiveEvent>;
    if (e.type === 'notification' || e.type === 'movieActivity') return e as LiveEvent;
  } catch {
    /* not ours */
  }
  return undefined;
}

/** A stream id as the client sends it back (Last-Event-ID): `<ms>-<seq>`, else undefined. */
export function parseStreamId(id: string | undefined | null): string | undefined {
  return id && /^\d{1,16}-\d{1,16}$/.test(id) ? id : undefined;
}

/** Compares two stream ids by their order in the stream. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}

/**
 * The messages of one topic after `afterId`, oldest first, as the stream still holds them
 * (at most `limit` read). `complete` is false when `afterId` is older than the stream's oldest
 * entry: messages may have been trimmed, and the client should read the feed.
 */
export async function replayAfter(redis: Redis, topic: string, afterId: string, limit = 10_000): Promise<{ messages: LiveMessage[]; complete: boolean }> {
  const entries = (await redis.xrange(LIVE_STREAM_KEY, `(${afterId}`, '+', 'COUNT', limit)) as [string, string[]][];
  const info = (await redis.xinfo('STREAM', LIVE_STREAM_KEY).catch(() => undefined)) as unknown[] | undefined;
  const oldest = info ? streamInfoField(info, 'first-entry') : undefined;
  // Older than the oldest entry kept: something in between may have been trimmed.
  const complete = !oldest || compareStreamIds(afterId, oldest) >= 0;
  const messages: LiveMessage[] = [];
  for (const [id, fields] of entries) {
    const t = fields[fields.indexOf('t') + 1];
    if (t !== topic) continue;
    const event = parseEvent(fields[fields.indexOf('e') + 1]);
    if (event) messages.push({ id, topic: t, event });
  }
  return { messages, complete };
}

function streamInfoField(info: unknown[], name: string): string | undefined {
  const i = info.indexOf(name);
  const entry = i >= 0 ? info[i + 1] : undefined;
  return Array.isArray(entry) ? String(entry[0]) : undefined;
}
