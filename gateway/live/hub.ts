import type Redis from 'ioredis';
import type { Logger } from '../../platform/logger';
import { LIVE_CHANNEL, parseLiveMessage, replayAfter, type LiveMessage } from '../../platform/live-bus';

export type Listener = (message: LiveMessage) => void;

/**
 * This replica's end of the live bus (platform/live-bus.ts): one pub/sub connection for the
 * whole process, handing each message to the local subscriptions of its topic, and a second
 * connection for replays (a subscribed connection runs no other command).
 */
export class LiveHub {
  private readonly topics = new Map<string, Set<Listener>>();
  private readonly closers = new Set<() => void>();

  constructor(
    private readonly subscriber: Redis,
    private readonly reader: Redis,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== LIVE_CHANNEL) return;
      const message = parseLiveMessage(raw);
      if (!message) return;
      for (const listener of this.topics.get(message.topic) ?? []) listener(message);
    });
    // ioredis subscribes again after a reconnect; what was published meanwhile is replayed by clients that reconnect.
    subscriber.subscribe(LIVE_CHANNEL).catch((err: unknown) => this.logger.error({ err: String(err) }, 'live bus: subscribe failed'));
  }

  /** Hands the topic's messages to `listener` until the returned function is called. */
  listen(topic: string, listener: Listener): () => void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.topics.get(topic) === set) this.topics.delete(topic);
    };
  }

  /** The topic's messages after `afterId` that the stream still holds. */
  replay(topic: string, afterId: string): ReturnType<typeof replayAfter> {
    return this.reader.status === 'ready' ? replayAfter(this.reader, topic, afterId) : Promise.reject(new Error('live bus not connected'));
  }

  /** Something to end at shutdown (an open stream); returns its removal. */
  track(close: () => void): () => void {
    this.closers.add(close);
    return () => this.closers.delete(close);
  }

  /** How many streams are open on this replica. */
  get open(): number {
    return this.closers.size;
  }

  /** Ends every open stream (SIGTERM), then the connections. */
  close(): void {
    for (const close of [...this.closers]) close();
    this.closers.clear();
    this.subscriber.disconnect();
    this.reader.disconnect();
  }
}
