import fc from 'fast-check';

/*
 * Requests generated from the OpenAPI document (docs/architecture.md, "Testing"): for an
 * operation, fast-check arbitraries of requests its schemas accept (bodies, query strings and
 * path parameters drawn from the declared types, bounds, patterns and enums, and often from a
 * pool of identifiers that exist in the test database so that handlers get past their lookups)
 * and of requests they refuse (a wrong type, a missing required field, an oversized string,
 * unusual Unicode, a negative or huge number, malformed JSON, an unexpected content type).
 */

export type Schema = { [k: string]: unknown };
interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema?: Schema;
}
interface OperationObject {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  security?: unknown[];
}
export interface Operation {
  method: string;
  path: string;
  /** "POST /api/v1/lots" */
  name: string;
  operationId: string;
  parameters: Parameter[];
  /** The JSON body's schema, null when the operation takes no JSON body. */
  body: Schema | null;
  bodyRequired: boolean;
  contentTypes: string[];
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  /** valid, or the kind of damage done to a valid request */
  kind: string;
}

/** Values that exist in the test database (codes, names, dates): strings and integers. */
export interface Pool {
  strings: string[];
  integers: number[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export function operationsOf(doc: { paths: Record<string, Partial<Record<string, OperationObject>>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const op = item[method];
      if (!op) return [];
      const content = op.requestBody?.content ?? {};
      return [{
        method: method.toUpperCase(),
        path,
        name: `${method.toUpperCase()} ${path}`,
        operationId: op.operationId ?? '',
        parameters: op.parameters ?? [],
        body: content['application/json']?.schema ?? null,
        bodyRequired: op.requestBody?.required ?? false,
        contentTypes: Object.keys(content),
      }];
    }));
}

// ---- nasty values ------------------------------------------------------------------------

/** Strings no form would send: controls, NUL, lone surrogates, bidi overrides, emoji sequences, look-alikes. */
export const WEIRD_STRINGS: readonly string[] = [
  '', ' ', '\t\n', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83dy', '\ufeff', '\u202eabc', '\u200b\u200d',
  '👨‍👩‍👧‍👦', '🅰️🆎', 'e\u0301\u0301\u0301', 'Ａ１２', '苏F·12345', '\u0085\u2028\u2029', '\\', '"', "'; drop table lots; --",
  '%00', '%s%n', '${jndi:ldap://x}', '<script>alert(1)</script>', '../../etc/passwd', '__proto__', 'constructor', 'null',
  'NaN', 'Infinity', '-1', '1e309', '0x10', '9223372036854775808', '2026-02-30', '2026-13-01T25:61:00Z', '9999-12-31T23:59:59+14:00',
];
const HUGE_NUMBERS: readonly number[] = [-1, -2147483649, 2147483648, -9007199254740991, 9007199254740991, 1e21, -1e308, 1.5, -0.5, 0];

/** Values of any type, often of the wrong one. */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...WEIRD_STRINGS),
  fc.constantFrom(...HUGE_NUMBERS),
  fc.constantFrom(true, false, null, [], {}, [[[[[]]]]], { __proto__: { polluted: 1 } }, { constructor: { prototype: { x: 1 } } }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 3000, max: 70_000 }).map((n) => 'x'.repeat(n)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Whole bodies that are not JSON, or not the JSON of any object. */
const MALFORMED_BODIES: readonly string[] = [
  '', '{', '}', '{"a":', '{"a":1,}', "{'a':1}", '[1,2', 'null', 'true', '0', '"text"', '[]', 'NaN', '{"a":NaN}', '{"a":1e309}',
  '\ufeff{}', '{"__proto__":{"polluted":true}}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', `${'['.repeat(5000)}${']'.repeat(5000)}`,
  '{"a":1}{"b":2}', '\u0000', '<xml/>', 'a=1&b=2',
];

/** Path segments that a router and a database lookup must survive. */
const NASTY_SEGMENTS: readonly string[] = [
  '0', '-1', '1.5', '1e3', '99999999999999999999', '2147483648', '-9223372036854775809', 'abc', '%20', '%00', '%25', '%zz', '%E0%A4%A',
  '%ED%A0%80', '..', '%2E%2E', '%2F', 'null', 'undefined', '__proto__', encodeURIComponent('苏F12345'), encodeURIComponent('👨‍👩‍👧'), 'x'.repeat(3000),
];

/** encodeURIComponent that does not throw on lone surrogates (they go out as U+FFFD, as Node's UTF-8 would). */
export function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
}

// ---- schemas → arbitraries -----------------------------------------------------------------

const DAY = 86_400_000;
const REALISTIC_FROM = Date.UTC(2025, 0, 1);
const REALISTIC_TO = Date.UTC(2027, 11, 31);

export class SchemaArbitraries {
  constructor(
    private readonly components: Record<string, Schema>,
    private readonly pool: Pool,
  ) {}

  resolve(schema: Schema): Schema {
    const ref = schema.$ref;
    if (typeof ref === 'string') {
      const name = ref.replace('#/components/schemas/', '');
      const target = this.components[name];
      if (!target) throw new Error(`unresolvable $ref ${ref}`);
      return this.resolve(target);
    }
    return schema;
  }

  /** Values the schema accepts. */
  valid(input: Schema, depth = 0): fc.Arbitrary<unknown> {
    const schema = this.resolve(input);
    if ('const' in schema) return fc.constant(schema.const);
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as Schema[]).map((s) => this.valid(s, depth + 1)));
    if (Array.isArray(schema.oneOf)) return fc.oneof(...(schema.oneOf as Schema[]).map((s) => this.valid(s, depth + 1)));
    const type = schema.type;
    if (Array.isArray(type)) return fc.oneof(...(type as string[]).map((t) => this.valid({ ...schema, type: t }, depth + 1)));
    switch (type) {
      case 'null': return fc.constant(null);
      case 'boolean': return fc.boolean();
      case 'integer': return this.integer(schema);
      case 'number': return this.number(schema);
      case 'string': return this.string(schema);
      case 'array': {
        const minLength = num(schema.minItems) ?? 0;
        const maxLength = Math.max(minLength, Math.min(num(schema.maxItems) ?? 4, 4));
        return fc.array(this.valid((schema.items as Schema | undefined) ?? {}, depth + 1), { minLength, maxLength });
      }
      case 'object': return this.object(schema, depth);
      default:
        return depth > 4 ? fc.constant(null) : fc.jsonValue({ maxDepth: 2 });
    }
  }

  private integer(schema: Schema): fc.Arbitrary<number> {
    const min = num(schema.minimum) ?? (num(schema.exclusiveMinimum) !== undefined ? num(schema.exclusiveMinimum)! + 1 : undefined);
    const max = num(schema.maximum) ?? (num(schema.exclusiveMaximum) !== undefined ? num(schema.exclusiveMaximum)! - 1 : undefined);
    const lo = min ?? -1000;
    const hi = max ?? Math.max(lo, 1000) + 1000;
    const inRange = (n: number) => (min === undefined || n >= min) && (max === undefined || n <= max);
    const known = this.pool.integers.filter(inRange);
    const choices: fc.Arbitrary<number>[] = [fc.integer({ min: lo, max: Math.min(hi, lo + 2000) }), fc.integer({ min: min ?? -(2 ** 40), max: max ?? 2 ** 40 })];
    if (known.length) choices.push(fc.constantFrom(...known), fc.constantFrom(...known));
    return fc.oneof(...choices);
  }

  private number(schema: Schema): fc.Arbitrary<number> {
    const exMin = num(schema.exclusiveMinimum);
    const exMax = num(schema.exclusiveMaximum);
    return fc.double({
      min: num(schema.minimum) ?? exMin ?? -1e9,
      max: num(schema.maximum) ?? exMax ?? 1e9,
      minExcluded: exMin !== undefined && schema.minimum === undefined,
      maxExcluded: exMax !== undefined && schema.maximum === undefined,
      noNaN: true,
      noDefaultInfinity: true,
    }).map((n) => (Object.is(n, -0) ? 0 : n));
  }

  private string(schema: Schema): fc.Arbitrary<string> {
    const minLength = num(schema.minLength) ?? 0;
    const declaredMax = num(schema.maxLength);
    const maxLength = Math.max(minLength, Math.min(declaredMax ?? 60, 60));
    const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern, 'u') : null;
    // ajv counts code points (a surrogate pair is one), fast-check's units are graphemes.
    const fits = (v: string) => codePoints(v) >= minLength && (declaredMax === undefined || codePoints(v) <= declaredMax) && (!pattern || pattern.test(v));
    const clip = (v: string) => [...v].slice(0, maxLength).join('');
    if (schema.format === 'date-time') {
      return fc.oneof(
        fc.integer({ min: REALISTIC_FROM, max: REALISTIC_TO }).map((t) => new Date(t).toISOString()),
        fc.integer({ min: REALISTIC_FROM, max: REALISTIC_TO }).map((t) => `${new Date(t + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`),
      );
    }
    const known = this.pool.strings.filter(fits);
    const choices: fc.Arbitrary<string>[] = [];
    if (known.length) choices.push(fc.constantFrom(...known), fc.constantFrom(...known));
    if (pattern) {
      for (const size of ['small', 'max'] as const) {
        const matching = fitting(fc.stringMatching(pattern, { maxLength: declaredMax ?? 60, size }), fits);
        if (matching) choices.push(matching);
      }
      // Real dates and months where the pattern takes them (a filter that never passes would hang).
      const date = fc.integer({ min: REALISTIC_FROM / DAY, max: REALISTIC_TO / DAY }).map((d) => new Date(d * DAY).toISOString().slice(0, 10));
      if (fits('2026-11-25')) choices.push(date);
      if (fits('2026-11')) choices.push(date.map((d) => d.slice(0, 7)));
    } else {
      choices.push(
        fc.string({ minLength, maxLength, unit: 'grapheme' }).map(clip),
        fc.string({ minLength, maxLength, unit: 'grapheme-ascii' }),
        fc.string({ minLength, maxLength, unit: 'binary' }).map(clip),
      );
      if (declaredMax !== undefined && declaredMax <= 100_000 && fits('长'.repeat(declaredMax))) choices.push(fc.constant('长'.repeat(declaredMax)));
    }
    return choices.length ? fc.oneof(...choices) : fc.constant('');
  }

  private object(schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const requiredKeys = ((schema.required ?? []) as string[]).filter((k) => k in properties);
    const record = fc.record(Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, this.valid(s, depth + 1)])), { requiredKeys });
    const extra = schema.additionalProperties;
    if (extra && typeof extra === 'object' && !Object.keys(properties).length) {
      return fc.dictionary(fc.oneof(fc.constantFrom(...this.pool.strings.slice(0, 20)), fc.string({ minLength: 1, maxLength: 12 })), this.valid(extra as Schema, depth + 1), { maxKeys: 4 });
    }
    return record as fc.Arbitrary<Record<string, unknown>>;
  }

  // ---- requests --------------------------------------------------------------------------

  /** A request the operation's schemas accept. */
  validRequest(op: Operation): fc.Arbitrary<FuzzRequest> {
    return fc.record({
      path: this.pathParams(op),
      query: this.query(op),
      body: !op.body ? fc.constant(undefined) : op.bodyRequired ? this.valid(op.body) : fc.option(this.valid(op.body), { nil: undefined, freq: 6 }),
    }).map(({ path, query, body }) => build(op, path, query, body === undefined ? undefined : JSON.stringify(body), 'valid'));
  }

  /** A request damaged in one way. */
  invalidRequest(op: Operation): fc.Arbitrary<FuzzRequest> {
    const parts = fc.record({ path: this.pathParams(op), query: this.query(op), body: op.body ? this.valid(op.body) : fc.constant(undefined) });
    const kinds: fc.Arbitrary<FuzzRequest>[] = [];
    const queryParams = op.parameters.filter((p) => p.in === 'query');
    const pathParams = op.parameters.filter((p) => p.in === 'path');
    if (pathParams.length) {
      kinds.push(fc.tuple(parts, fc.nat(), fc.oneof(fc.constantFrom(...NASTY_SEGMENTS), junkValue.map((v) => encodeSegment(typeof v === 'string' ? v : JSON.stringify(v) ?? ''))))
        .map(([p, i, seg]) => {
          const name = pathParams[i % pathParams.length]!.name;
          return build(op, { ...p.path, [name]: seg }, p.query, json(p.body), `path:${name}`);
        }));
    }
    if (queryParams.length) {
      kinds.push(fc.tuple(parts, fc.nat(), junkValue).map(([p, i, v]) => {
        const name = queryParams[i % queryParams.length]!.name;
        return build(op, p.path, { ...p.query, [name]: v }, json(p.body), `query:${name}`);
      }));
      kinds.push(fc.tuple(parts, fc.nat()).map(([p, i]) => {
        const name = queryParams[i % queryParams.length]!.name;
        const query = { ...p.query };
        delete query[name];
        const value = p.query[name] ?? '1';
        return build(op, p.path, query, json(p.body), `query-repeated:${name}`, `${name}=${encodeSegment(String(value))}&${name}=${encodeSegment(String(value))}`);
      }));
    }
    kinds.push(fc.tuple(parts, junkValue).map(([p, v]) => build(op, p.path, { ...p.query, [`x${typeof v}`]: v }, json(p.body), 'query-unknown')));
    if (op.body) {
      const schema = this.resolve(op.body);
      const props = Object.keys((schema.properties ?? {}) as object);
      const required = ((schema.required ?? []) as string[]);
      if (props.length) {
        kinds.push(fc.tuple(parts, fc.nat(), junkValue).map(([p, i, v]) => {
          const key = props[i % props.length]!;
          return build(op, p.path, p.query, json({ ...(p.body as object), [key]: v }), `body:${key}`);
        }));
        kinds.push(fc.tuple(parts, fc.nat(), fc.constantFrom(...WEIRD_STRINGS)).map(([p, i, s]) => {
          const key = props[i % props.length]!;
          // Past the field's limit, or past the 2 MB body limit for fields that take more.
          const max = Math.min(num(((schema.properties as Record<string, Schema>)[key] ?? {}).maxLength) ?? 1000, 2_100_000);
          const value = s === '' ? 'y'.repeat(max + 1) : s.repeat(Math.ceil((max + 1) / Math.max(1, s.length)));
          return build(op, p.path, p.query, json({ ...(p.body as object), [key]: value }), `body-oversized:${key}`);
        }));
      }
      if (required.length) {
        kinds.push(fc.tuple(parts, fc.nat()).map(([p, i]) => {
          const key = required[i % required.length]!;
          const body = { ...(p.body as object) } as Record<string, unknown>;
          delete body[key];
          return build(op, p.path, p.query, json(body), `body-missing:${key}`);
        }));
      }
      kinds.push(fc.tuple(parts, junkValue).map(([p, v]) => build(op, p.path, p.query, json(v) ?? 'null', 'body-root')));
      kinds.push(fc.tuple(parts, fc.constantFrom(...MALFORMED_BODIES)).map(([p, text]) => build(op, p.path, p.query, text, 'body-malformed')));
      kinds.push(fc.tuple(parts, fc.nat()).map(([p, cut]) => {
        const text = json(p.body) ?? '{}';
        return build(op, p.path, p.query, text.slice(0, cut % Math.max(1, text.length)), 'body-truncated');
      }));
      kinds.push(fc.tuple(parts, fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x'))
        .map(([p, type]) => ({ ...build(op, p.path, p.query, json(p.body) ?? '{}', `content-type:${type}`), headers: { 'content-type': type } })));
    } else if (op.method !== 'GET' && op.method !== 'DELETE') {
      kinds.push(fc.tuple(parts, fc.constantFrom(...MALFORMED_BODIES)).map(([p, text]) => build(op, p.path, p.query, text, 'unexpected-body')));
    }
    return fc.oneof(...kinds);
  }

  private pathParams(op: Operation): fc.Arbitrary<Record<string, string>> {
    const params = op.parameters.filter((p) => p.in === 'path');
    return fc.record(Object.fromEntries(params.map((p) => [p.name, this.valid(p.schema ?? { type: 'string' }).map((v) => encodeSegment(String(v)))])));
  }

  private query(op: Operation): fc.Arbitrary<Record<string, unknown>> {
    const params = op.parameters.filter((p) => p.in === 'query');
    const requiredKeys = params.filter((p) => p.required).map((p) => p.name);
    return fc.record(Object.fromEntries(params.map((p) => [p.name, this.valid(p.schema ?? { type: 'string' })])), { requiredKeys }) as fc.Arbitrary<Record<string, unknown>>;
  }
}

/**
 * The values of `arb` that pass `fits`, without fast-check's `filter`, which retries for ever when
 * hardly anything passes (a pattern with a long minimum length): a value that does not fit is
 * replaced by one of those that did in a sample; null when none did.
 */
function fitting<T>(arb: fc.Arbitrary<T>, fits: (v: T) => boolean): fc.Arbitrary<T> | null {
  const good = fc.sample(arb, { numRuns: 300, seed: 1 }).filter(fits);
  if (!good.length) return null;
  return fc.tuple(arb, fc.nat()).map(([v, i]) => (fits(v) ? v : good[i % good.length]!));
}

function codePoints(v: string): number {
  return [...v].length;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function json(v: unknown): string | undefined {
  return v === undefined ? undefined : JSON.stringify(v);
}

function queryValue(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v) ?? '';
}

function build(op: Operation, path: Record<string, string>, query: Record<string, unknown>, payload: string | undefined, kind: string, rawQuery?: string): FuzzRequest {
  const url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => path[name] ?? 'x');
  const pairs = Object.entries(query).flatMap(([k, v]) => {
    if (v === undefined) return [];
    if (Array.isArray(v)) return v.map((item) => `${encodeSegment(k)}=${encodeSegment(queryValue(item))}`);
    return [`${encodeSegment(k)}=${encodeSegment(queryValue(v))}`];
  });
  if (rawQuery) pairs.push(rawQuery);
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers['content-type'] = 'application/json';
  return { method: op.method, url: pairs.length ? `${url}?${pairs.join('&')}` : url, headers, ...(payload === undefined ? {} : { payload }), kind };
}
