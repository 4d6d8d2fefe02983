/**
 * The raw limit: a bare node:http server that answers each request with the bytes Marquee
 * answered for the same request (recorded by the harness before the runs: W1's page, W2's
 * detail of every film, W3's payload), so the table shows what HTTP alone costs on this machine.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';

interface Recorded {
  W1: string;
  W2: Record<string, string>;
  W3: string;
}

const recorded = JSON.parse(readFileSync(process.env.RAW_BODIES_FILE!, 'utf8')) as Recorded;
const buffers = {
  W1: Buffer.from(recorded.W1),
  W2: new Map(Object.entries(recorded.W2).map(([id, body]) => [id, Buffer.from(body)])),
  W3: Buffer.from(recorded.W3),
};
const ID = /"id":"(\d+)"/;

http
  .createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let body: Buffer;
      if (text.includes('"operationName":"Rate"')) body = buffers.W3;
      else if (text.includes('"operationName":"Detail"')) body = buffers.W2.get(ID.exec(text)?.[1] ?? '') ?? buffers.W1;
      else body = buffers.W1;
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
  })
  .listen(Number(process.env.PORT ?? 4101), '127.0.0.1', () => console.log('raw server ready'));
