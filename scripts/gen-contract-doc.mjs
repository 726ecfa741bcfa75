// Rewrites the generated rule tables of docs/contract.md from the rule sets (lib/conformance/
// catalog.ts), between their markers. Run after changing a rule: node scripts/gen-contract-doc.mjs
// (it reads the built library: npm run build first). test/conformance-doc.test.ts fails while the
// docs and the rules differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { ruleSets } = require(path.join(root, 'dist', 'conformance', 'catalog.js'));
const { updateRuleTables } = require(path.join(root, 'dist', 'conformance', 'doc.js'));
const file = path.join(root, 'docs', 'contract.md');
const before = readFileSync(file, 'utf8');
const after = updateRuleTables(before, ruleSets);
if (after !== before) writeFileSync(file, after);
console.log(after === before ? 'docs/contract.md: rule tables already current' : 'docs/contract.md: rule tables rewritten');
