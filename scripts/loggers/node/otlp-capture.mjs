// Stand-in OTLP/HTTP collector on 127.0.0.1: every request body the exporter
// POSTs to /v1/logs is written to stdout unchanged, one body per line.
import http from 'node:http';

export async function startCapture() {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url !== '/v1/logs' || /[\r\n]/.test(body)) throw new Error(`unexpected request ${req.url}`);
      process.stdout.write(body + '\n');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/logs`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
