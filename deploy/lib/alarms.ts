import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { StackScope } from './scope';
import type { ServiceName } from './services-spec';

/**
 * The alarms: the gateway's 5xx and p99 latency from the ALB, and two from log lines (metric
 * filters): the TMDB circuit opening (movies) and the events relay falling behind (notifications).
 */
export function createAlarms({ stack, cfg }: StackScope, alb: elbv2.ApplicationLoadBalancer, logGroups: Record<ServiceName, logs.LogGroup>): void {
  new cloudwatch.Alarm(stack, 'Gateway5xx', {
    alarmDescription: 'Gateway answers 5xx',
    metric: alb.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, { period: Duration.minutes(1), statistic: 'Sum' }),
    threshold: cfg.alarms.fivexxPerMinute,
    evaluationPeriods: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  new cloudwatch.Alarm(stack, 'GatewayP99', {
    alarmDescription: 'Gateway p99 latency',
    metric: alb.metrics.targetResponseTime({ period: Duration.minutes(1), statistic: 'p99' }),
    threshold: cfg.alarms.p99LatencySeconds,
    evaluationPeriods: 5,
  });
  logAlarm(stack, 'TmdbCircuit', {
    logGroup: logGroups.movies,
    filterPattern: logs.FilterPattern.stringValue('$.msg', '=', 'tmdb circuit open'),
    metricName: 'TmdbCircuitOpen',
    metricValue: '1',
    alarmId: 'TmdbCircuitOpen',
    alarmDescription: 'The TMDB circuit breaker opened: TMDB is failing',
    statistic: 'Sum',
    threshold: 1,
    evaluationPeriods: 1,
  });
  logAlarm(stack, 'EventLag', {
    logGroup: logGroups.notifications,
    filterPattern: logs.FilterPattern.exists('$.eventLagSeconds'),
    metricName: 'EventLagSeconds',
    metricValue: '$.eventLagSeconds',
    alarmId: 'EventLag',
    alarmDescription: 'Rating events are waiting too long to be relayed',
    statistic: 'Maximum',
    threshold: cfg.alarms.eventLagSeconds,
    evaluationPeriods: 3,
  });
}

interface LogAlarm {
  logGroup: logs.LogGroup;
  filterPattern: logs.IFilterPattern;
  /** In the `Marquee` namespace. */
  metricName: string;
  metricValue: string;
  alarmId: string;
  alarmDescription: string;
  statistic: string;
  threshold: number;
  evaluationPeriods: number;
}

/** An alarm on a metric made from log lines: `<prefix>Filter` counts them per minute, `alarmId` alarms on it (no lines: not breaching). */
function logAlarm(stack: StackScope['stack'], prefix: string, a: LogAlarm): void {
  const filter = new logs.MetricFilter(stack, `${prefix}Filter`, {
    logGroup: a.logGroup,
    filterPattern: a.filterPattern,
    metricNamespace: 'Marquee',
    metricName: a.metricName,
    metricValue: a.metricValue,
  });
  new cloudwatch.Alarm(stack, a.alarmId, {
    alarmDescription: a.alarmDescription,
    metric: filter.metric({ period: Duration.minutes(1), statistic: a.statistic }),
    threshold: a.threshold,
    evaluationPeriods: a.evaluationPeriods,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
