import { Counter, Gauge, type Registry } from 'prom-client';

/** The outbox relay's metrics (relay.ts), one set per registry. */
export type RelayMetrics = ReturnType<typeof makeRelayMetrics>;

export function makeRelayMetrics(registry: Registry) {
  return {
    processed: new Counter({
      name: 'marquee_events_processed_total',
      help: "Domain events relayed (feeds, SNS, the gateways' cache invalidation)",
      labelNames: ['eventType'],
      registers: [registry],
    }),
    delivered: new Counter({ name: 'marquee_feed_items_written_total', help: 'Feed items written', registers: [registry] }),
    publishFailures: new Counter({
      name: 'marquee_sns_publish_failures_total',
      help: 'Events whose SNS publish failed (retried later)',
      registers: [registry],
    }),
    leasesLost: new Counter({
      name: 'marquee_relay_leases_lost_total',
      help: 'Events given up because another relay took over the lease (not counted as attempts)',
      registers: [registry],
    }),
    dead: new Counter({ name: 'marquee_events_dead_lettered_total', help: 'Poison events set aside', registers: [registry] }),
    invalidationFailures: new Counter({
      name: 'marquee_relay_invalidation_failures_total',
      help: 'Events whose gateway cache invalidation (Redis INCR and publish) failed; cached entries then live out their max-age',
      registers: [registry],
    }),
    lag: new Gauge({ name: 'marquee_event_lag_seconds', help: 'Age of the oldest unprocessed event', registers: [registry] }),
  };
}
