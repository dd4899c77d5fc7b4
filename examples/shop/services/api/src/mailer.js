// shop-api mailer: a stand-in background worker with no npm dependencies.
// Logs a line every 5 seconds and touches a heartbeat file; exits 0 on SIGTERM/SIGINT
// (node as PID 1 in a container has no default signal handlers).
//   node dist/mailer.js          run the worker
//   node dist/mailer.js --check  exit 0 when the worker beat in the last 30 s (its probe)
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const heartbeat = path.join(os.tmpdir(), 'mailer.heartbeat');

if (process.argv.includes('--check')) {
  try {
    const age = Date.now() - fs.statSync(heartbeat).mtimeMs;
    process.exit(age < 30_000 ? 0 : 1);
  } catch {
    process.exit(1);
  }
}

function beat() {
  fs.writeFileSync(heartbeat, String(Date.now()));
}

beat();
const timer = setInterval(() => {
  console.log(`mailer: tick ${new Date().toISOString()}`);
  beat();
}, 5000);

console.log('mailer: started');

function shutdown(signal) {
  console.log(`mailer: ${signal} received, exiting`);
  clearInterval(timer);
  process.exit(0);
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
