// shop-api: a tiny HTTP service with no npm dependencies.
//   GET /healthz -> 200 "ok"
//   GET /        -> 200 JSON { service, greeting, logLevel }
//   anything else -> 404
// Configuration: PORT (default 8080), GREETING (default "hello"),
// LOG_LEVEL (default "info"). Listens on 0.0.0.0.
// Handles SIGTERM/SIGINT itself: node running as PID 1 in a container gets no
// default signal handlers, so without this `docker/podman stop` waits for its
// timeout and then kills the process.
'use strict';

const http = require('node:http');

const port = Number(process.env.PORT ?? 8080);

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  if (req.method === 'GET' && url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        service: 'api',
        greeting: process.env.GREETING ?? 'hello',
        logLevel: process.env.LOG_LEVEL ?? 'info',
      }),
    );
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
});

server.listen(port, '0.0.0.0', () => {
  console.log(`api: listening on 0.0.0.0:${port}`);
});

function shutdown(signal) {
  console.log(`api: ${signal} received, shutting down`);
  server.close(() => process.exit(0));
  // Idle keep-alive connections would keep close() waiting.
  server.closeAllConnections();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
