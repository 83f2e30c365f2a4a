/**
 * `npm run api:generate`: builds the API's OpenAPI document in-process and writes the console's
 * types of it, web/src/api/schema.d.ts, with openapi-typescript (decision 0012). Run it after a
 * route's schema changes; test/api-client-fresh.test.ts fails while the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument, SCHEMA_FILE, schemaTypesOf } from './openapi-document.js';

writeFileSync(SCHEMA_FILE, await schemaTypesOf(await buildOpenApiDocument()));
console.error(`API types written to ${SCHEMA_FILE}`);
