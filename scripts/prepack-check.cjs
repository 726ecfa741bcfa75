#!/usr/bin/env node
// npm runs this before npm pack / npm publish (package.json "prepack"): a package without the
// compiled library or without the prebuilt addon would install but fail on first use, so
// refuse to pack one. Build first: npm run build (or scripts/build.sh), on Windows CI the
// workflow's prebuild step.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const problems = [];

for (const file of [pkg.main, pkg.types, pkg.exports['.'].import.default, pkg.bin['miracast-hil']]) {
  if (!fs.existsSync(path.join(root, file))) problems.push(`${file} is missing (the compiled library: npm run build)`);
}
const x64 = path.join(root, 'prebuilds', 'win32-x64');
const addons = fs.existsSync(x64) ? fs.readdirSync(x64).filter((name) => name.endsWith('.node')) : [];
if (addons.length === 0) problems.push('prebuilds/win32-x64/*.node is missing (the prebuilt addon: npm run build)');
if (!fs.existsSync(path.join(root, 'prebuilds', 'win32-arm64'))) {
  // arm64 is built on Windows CI only; a local pack ships x64 alone, and says so.
  process.stderr.write('miracast-hil prepack: no prebuilds/win32-arm64 (built on Windows CI): this package ships x64 only\n');
}
if (problems.length > 0) {
  process.stderr.write(`miracast-hil prepack: refusing to pack:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
