import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument, SCHEMA_FILE, schemaTypesOf } from '../scripts/openapi-document.js';

/**
 * The console's API types (web/src/api/schema.d.ts) are generated from the OpenAPI document and
 * committed; a route whose schema changed without `npm run api:generate` fails here, so the
 * console never type-checks against an old contract (docs/architecture.md, "Console").
 */
describe('console API types', () => {
  let built: Record<string, unknown>;
  beforeAll(async () => {
    built = await buildOpenApiDocument();
  });

  it('web/src/api/schema.d.ts is the document as it is now', async () => {
    const fresh = await schemaTypesOf(built);
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    if (committed !== fresh) expect.fail(`${SCHEMA_FILE} is stale: run npm run api:generate`);
  });

  it('notices a changed response schema', async () => {
    const doc = structuredClone(built);
    type Schema = { $ref?: string; allOf?: Schema[]; properties?: Record<string, unknown> };
    const paths = doc.paths as Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: Schema }> }> }>>;
    const answer = paths['/api/v1/tickets/{id}']!.get!.responses['200']!.content['application/json']!.schema;
    // The ticket's own fields come from a named schema ($ref), the detail's in the last part of allOf.
    expect(answer.allOf?.[0]?.$ref).toBe('#/components/schemas/Ticket');
    const schema = answer.allOf!.at(-1)!;
    expect(schema.properties).toBeDefined();
    expect(await schemaTypesOf(doc)).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
    // A route's answer grows a field: the generated text differs, so the check above would fail.
    schema.properties = { ...schema.properties, addedField: { type: 'string' } };
    expect(await schemaTypesOf(doc)).not.toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });
});
