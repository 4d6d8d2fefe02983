/**
 * The Marquee production stacks: `npm run synth` (offline) or `npx cdk deploy -c env=prod`
 * (see docs/deploy.md). Environment-agnostic: account and region come from the credentials.
 */
import { App } from 'aws-cdk-lib';
import { ENVIRONMENTS } from './environments';
import { MarqueeStack } from './lib/marquee-stack';

const app = new App();
const only = app.node.tryGetContext('env') as 'dev' | 'prod' | undefined;
for (const env of Object.values(ENVIRONMENTS)) {
  if (only && env.name !== only) continue;
  new MarqueeStack(app, `Marquee-${env.name}`, { config: env, description: `Marquee federated GraphQL API (${env.name})` });
}
app.synth();
