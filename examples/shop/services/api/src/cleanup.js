// shop-api cleanup: a stand-in nightly task with no npm dependencies.
// A real app deletes expired carts here; the stand-in logs what it would do and exits 0.
'use strict';

console.log(`cleanup: would delete carts older than 30 days from ${process.env.DB_HOST ?? '(no DB_HOST)'}:${process.env.DB_PORT ?? ''}`);
