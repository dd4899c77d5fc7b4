// Build step for the example service: copies src/*.js into dist/.
// Deterministic: files are copied in sorted order with their contents only
// (no timestamps, no generated banners), so two builds are byte-identical.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const srcDir = path.join(__dirname, 'src');
const outDir = path.join(__dirname, 'dist');

fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(outDir, { recursive: true });

const files = fs.readdirSync(srcDir).filter((f) => f.endsWith('.js')).sort();
for (const file of files) {
  fs.writeFileSync(path.join(outDir, file), fs.readFileSync(path.join(srcDir, file)));
}
console.log(`build: copied ${files.length} file(s) to dist/`);
