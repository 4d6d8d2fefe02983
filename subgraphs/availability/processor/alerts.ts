import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { FeedError } from '../generated/resolvers';

/** What a provider is told. Subscriptions filter on the `providerId` attribute (docs/availability.md). */
export type AlertKind = 'FEED_REJECTED' | 'FEED_FAILED';

export interface Alert {
  kind: AlertKind;
  /** `unknown` for a message that names no provider's upload (it still reaches operators' subscriptions). */
  providerId: string;
  uploadId: string | null;
  message: string;
  errors?: FeedError[];
}

export class ProviderAlerts {
  constructor(private readonly opts: { sns: SNSClient; topicArn: string }) {}

  async publish(a: Alert): Promise<void> {
    await this.opts.sns.send(
      new PublishCommand({
        TopicArn: this.opts.topicArn,
        Subject: a.kind === 'FEED_REJECTED' ? 'Marquee: feed rejected' : 'Marquee: feed could not be processed',
        Message: JSON.stringify({ ...a, errors: (a.errors ?? []).slice(0, 20), at: new Date().toISOString() }),
        MessageAttributes: {
          providerId: { DataType: 'String', StringValue: a.providerId },
          kind: { DataType: 'String', StringValue: a.kind },
        },
      }),
    );
  }
}
