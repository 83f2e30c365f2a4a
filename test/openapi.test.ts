import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './support/backends.js';

/**
 * The OpenAPI document is the integrators' contract (docs/接入规范.md) and the source of the
 * console's typed client: it must be a valid OpenAPI 3.1 document in which every operation is
 * named, tagged and typed (request and response). The document does not depend on the database,
 * so this suite runs on PGlite only.
 */
type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  tags?: string[];
  parameters?: { in: string; name: string; schema?: Json }[];
  requestBody?: { content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { content?: Record<string, { schema?: Json }> }>;
}
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
/** Operations that take no input and need no account: no 4xx to declare. */
const NO_CLIENT_ERRORS = ['GET /api/health'];

describe('OpenAPI document', () => {
  let env: TestEnv;
  let doc: Json & { openapi: string; paths: Record<string, Partial<Record<string, Operation>>>; tags?: { name: string; description?: string }[] };
  let operations: { method: string; path: string; op: Operation }[];
  beforeAll(async () => {
    env = await createTestEnv('pglite');
    const res = await env.app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    doc = res.json();
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.flatMap((method) => (item[method] ? [{ method, path, op: item[method] }] : [])));
  });
  afterAll(() => env.close());

  it('is a valid OpenAPI 3.1 document (swagger-parser)', async () => {
    expect(doc.openapi.startsWith('3.1')).toBe(true);
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  it('uses no OpenAPI 3.0-only keyword (nullable) and no draft-07 definitions', () => {
    const offenders: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries(node)) {
        if (k === 'nullable' && typeof v === 'boolean') offenders.push(`${at}/nullable`);
        if (k === 'definitions') offenders.push(`${at}/definitions`);
        walk(v, `${at}/${k}`);
      }
    };
    walk(doc, '#');
    expect(offenders).toEqual([]);
  });

  it('lists the API of every module', () => {
    const paths = Object.keys(doc.paths);
    for (const p of ['/api/health', '/api/v1/auth/login', '/api/v1/tickets', '/api/v1/ingest/events', '/api/v1/overview',
      '/api/v1/analytics/kpis', '/api/v1/reports/sync', '/api/v1/public/complaints/{token}', '/api/v1/sharing/offers', '/api/v1/sharing/offers/{id}/approve',
      '/api/v1/public/sharing/bookings', '/api/v1/sharing/bookings/{id}']) {
      expect(paths, p).toContain(p);
    }
    expect(operations.length).toBeGreaterThan(100);
  });

  it('gives every operation a unique camelCase operationId and a declared tag', () => {
    const declared = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? '']));
    const missing: string[] = [];
    const ids = new Map<string, string>();
    for (const { method, path, op } of operations) {
      const name = `${method.toUpperCase()} ${path}`;
      if (!op.operationId) missing.push(`${name}: no operationId`);
      else if (!/^[a-z][a-zA-Z0-9]*$/.test(op.operationId)) missing.push(`${name}: operationId ${op.operationId} is not camelCase`);
      else if (ids.has(op.operationId)) missing.push(`${name}: operationId ${op.operationId} also used by ${ids.get(op.operationId)}`);
      else ids.set(op.operationId, name);
      if (!op.tags?.length) missing.push(`${name}: no tags`);
      for (const tag of op.tags ?? []) if (!declared.has(tag)) missing.push(`${name}: tag ${tag} not declared in the document's tags`);
    }
    expect(missing).toEqual([]);
    // Each tag is described in Chinese and English, e.g. "工单 Work orders".
    for (const [name, description] of declared) {
      expect(description, name).toMatch(/[\u4e00-\u9fff]/);
      expect(description, name).toMatch(/[A-Za-z]{3}/);
    }
  });

  it('types every operation: a 2xx response with content (or 204), an error shape for 4xx, its path parameters', () => {
    const missing: string[] = [];
    for (const { method, path, op } of operations) {
      const name = `${method.toUpperCase()} ${path}`;
      const responses = op.responses ?? {};
      const ok = Object.entries(responses).filter(([code]) => /^2\d\d$/.test(code));
      const typed = ok.some(([code, r]) => code === '204' || Object.values(r.content ?? {}).some((m) => m.schema && Object.keys(m.schema).length > 0));
      if (!typed) missing.push(`${name}: no 2xx response with a schema`);
      for (const [code, r] of ok) {
        if (code !== '204' && !Object.values(r.content ?? {}).some((m) => m.schema && Object.keys(m.schema).length > 0)) missing.push(`${name}: ${code} has no schema`);
      }
      const errors = Object.entries(responses).filter(([code]) => /^4\d\d$/.test(code));
      if (!errors.length && !NO_CLIENT_ERRORS.includes(name)) missing.push(`${name}: no 4xx response`);
      for (const [code, r] of errors) {
        const schema = r.content?.['application/json']?.schema;
        if (!schema || (schema.$ref !== '#/components/schemas/ErrorBody' && !('properties' in schema))) missing.push(`${name}: ${code} is not the error shape`);
      }
      for (const [, param] of path.matchAll(/\{(\w+)\}/g)) {
        if (!op.parameters?.some((p) => p.in === 'path' && p.name === param && p.schema?.type)) missing.push(`${name}: path parameter ${param} untyped`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('marks the public service as needing no account (security: []), and its staff routes as needing one', () => {
    const pub = operations.filter(({ path }) => path.startsWith('/api/v1/public/lots') || path === '/api/v1/public/guidance');
    expect(pub.map(({ op }) => op.operationId).sort()).toEqual(['publicGuidance', 'publicLotEstimate', 'publicLotGet', 'publicLotsNearby']);
    for (const { op } of pub) {
      expect((op as { security?: unknown }).security, op.operationId).toEqual([]);
      expect(op.tags).toEqual(['public']);
      expect(Object.keys(op.responses ?? {})).toContain('429');
    }
    // Shared parking's citizen routes: no account, the same per-address budget (docs/共享停车接口.md).
    const sharing = operations.filter(({ path }) => path.startsWith('/api/v1/public/sharing/'));
    expect(sharing.map(({ op }) => op.operationId).sort()).toEqual(['sharingPublicBook', 'sharingPublicBooking', 'sharingPublicCancel', 'sharingPublicMyBookings', 'sharingPublicNearby']);
    for (const { op } of sharing) {
      expect((op as { security?: unknown }).security, op.operationId).toEqual([]);
      expect(op.tags).toEqual(['sharing']);
      expect(Object.keys(op.responses ?? {})).toContain('429');
    }
    for (const { op } of operations.filter(({ path }) => path.startsWith('/api/v1/sharing/'))) {
      expect((op as { security?: unknown }).security, op.operationId).toBeUndefined();
    }
    for (const { op } of operations.filter(({ path }) => path.startsWith('/api/v1/public-admin/'))) {
      expect((op as { security?: unknown }).security, op.operationId).toBeUndefined();
    }
  });

  it('documents binary downloads with their content type and format binary', () => {
    const downloads = operations.filter(({ op }) =>
      Object.values(op.responses ?? {}).some((r) => Object.keys(r.content ?? {}).some((t) => t !== 'application/json')));
    expect(downloads.length).toBeGreaterThan(5);
    for (const { method, path, op } of downloads) {
      for (const [type, media] of Object.entries(op.responses!['200']?.content ?? {})) {
        if (type === 'application/json') continue;
        expect(media.schema, `${method} ${path} ${type}`).toMatchObject({ type: 'string', format: 'binary' });
      }
    }
    const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    expect(Object.keys(doc.paths['/api/v1/tickets/export']?.get?.responses?.['200']?.content ?? {})).toContain(xlsx);
  });
});
