#!/usr/bin/env node
// The CLI runs the compiled server (npm install builds it through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('zhibo: dist/ is missing — run `npm install` (or `npm run build`) first.');
  process.exit(1);
}
await import(entry.href);
