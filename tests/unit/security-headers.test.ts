import type { AddressInfo } from 'node:net';
import express from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import { securityHeaders } from '../../gateway/pipeline/security-headers';

async function headersOf(middleware: express.RequestHandler): Promise<Record<string, string>> {
  const app = express();
  app.use(middleware);
  app.get('/', (_req, res) => void res.json({ ok: true }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const out: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      if (k !== 'date' && k !== 'etag') out[k] = v;
    });
    return out;
  } finally {
    server.close();
  }
}

describe('security headers recorded from helmet once', () => {
  const options: HelmetOptions = { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false };

  it('gives a response exactly the headers helmet gives it', async () => {
    const ours = await headersOf(securityHeaders(options));
    expect(ours).toEqual(await headersOf(helmet(options)));
    expect(ours['x-content-type-options']).toBe('nosniff');
    expect(ours['strict-transport-security']).toMatch(/max-age=/);
    expect(ours).not.toHaveProperty('x-powered-by');
  });

  it('leaves helmet in place where a header could depend on the request (content security policy)', async () => {
    const withCsp = await headersOf(securityHeaders({}));
    expect(withCsp['content-security-policy']).toBeDefined();
    expect(withCsp).toEqual(await headersOf(helmet({})));
  });
});
