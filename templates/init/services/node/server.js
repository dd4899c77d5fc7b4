// A small HTTP service: GET /healthz answers ok, GET / says hello.
const http = require('http');

const port = Number(process.env.PORT ?? 8080);
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (req.url === '/') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify({ service: 'web', logLevel: process.env.LOG_LEVEL ?? 'info' })}\n`);
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
});
server.listen(port, () => console.log(`web listening on :${port}`));
// PID 1 in a container: drain and stop on SIGTERM instead of waiting to be killed.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
