// shop-api migrate: a stand-in schema migration with no npm dependencies.
// A real app runs its migration tool here (knex, prisma, node-pg-migrate...), which records
// applied migrations in the database, so running it twice is harmless.
//   node dist/migrate.js         wait for the database, "apply" the migrations, exit 0
//   node dist/migrate.js --wait  exit 0 once the schema this version needs is in place;
//                                the stand-in waits until the database accepts connections
// Reads DB_HOST and DB_PORT (injected by prodpath's connectsTo).
'use strict';

const net = require('node:net');

const host = process.env.DB_HOST ?? '127.0.0.1';
const port = Number(process.env.DB_PORT ?? 5432);
const deadline = Date.now() + 10 * 60_000;

function reachable() {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

async function main() {
  while (!(await reachable())) {
    if (Date.now() > deadline) {
      console.error(`migrate: ${host}:${port} unreachable for 10 minutes`);
      process.exit(1);
    }
    console.log(`migrate: waiting for ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (process.argv.includes('--wait')) {
    console.log('migrate: schema is current');
  } else {
    console.log('migrate: applied 0 pending migrations');
  }
}

main();
