/**
 * The raw limit: a bare node:http server that answers every POST with the same bytes (the
 * response Marquee gives for the workload), so the table shows what the HTTP stack alone costs.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';

const body = readFileSync(process.env.RAW_BODY_FILE!);
http
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
      res.end(body);
    });
  })
  .listen(Number(process.env.PORT ?? 4101), '127.0.0.1', () => console.log('raw server ready'));
