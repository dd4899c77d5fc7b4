// shop-api mailer: a stand-in background worker with no npm dependencies.
// Logs a line every 5 seconds and exits 0 on SIGTERM/SIGINT (node as PID 1
// in a container has no default signal handlers).
'use strict';

const timer = setInterval(() => {
  console.log(`mailer: tick ${new Date().toISOString()}`);
}, 5000);

console.log('mailer: started');

function shutdown(signal) {
  console.log(`mailer: ${signal} received, exiting`);
  clearInterval(timer);
  process.exit(0);
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
