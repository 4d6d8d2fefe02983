import { writeFileSync } from 'node:fs';
import { startRedis } from '../local/redis';
import { startStack } from '../local/stack';
(async () => {
  const redis = await startRedis({});
  const stack = await startStack({ randomPorts: true, env: { PATH: process.env.PATH, REDIS_URL: redis.url, LOG_LEVEL: 'warn' }, logDir: '/tmp/bscratch/logs' });
  writeFileSync('/tmp/bscratch/env.json', JSON.stringify({ ...stack.env, GATEWAY_URL: stack.gatewayUrl, pids: { gw: stack.pid('gateway') } }, null, 1));
  console.log('ready', stack.gatewayUrl);
  process.on('SIGTERM', async () => { await stack.stop(); await redis.stop(); process.exit(0); });
  setInterval(() => {}, 1 << 30);
})();
