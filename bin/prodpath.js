#!/usr/bin/env node
// The installed `prodpath` command: runs the compiled CLI (npm run build writes build/).
require('../build/lib/cli/main.js').run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
