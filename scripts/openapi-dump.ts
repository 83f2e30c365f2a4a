/**
 * Writes the API's OpenAPI 3.1 document (the same as GET /api/openapi.json) to a file or stdout,
 * without a server: `npm run openapi:dump` → openapi.json, `npm run openapi:dump -- out.json`, or `-` for stdout.
 * The document is built in-process (scripts/openapi-document.ts).
 */
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from './openapi-document.js';

const out = process.argv[2] ?? 'openapi.json';
const text = `${JSON.stringify(await buildOpenApiDocument(), null, 2)}\n`;
if (out === '-') process.stdout.write(text);
else {
  writeFileSync(out, text);
  console.error(`OpenAPI document written to ${out}`);
}
