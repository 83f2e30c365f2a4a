// The console's typed calls to the API (decision 0010): a thin wrapper over the types that
// openapi-typescript generates from the OpenAPI document (schema.d.ts, `npm run api:generate`).
// `apiGet('/api/v1/tickets/{id}', { path: { id } })` checks the path, its parameters, the query
// and the JSON body against the document and answers the operation's success type; the transport
// (token, 401, ApiError) is api.ts's.
import { request, withQuery, type Query } from './api';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The API paths that have an operation for `M`. */
export type PathsWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

type Success<R> = R extends { 200: infer A } ? A : R extends { 201: infer A } ? A : R extends { 202: infer A } ? A : undefined;
type Json<X> = X extends { content: { 'application/json': infer T } } ? T : undefined;
/** The JSON an operation answers on success (undefined for 204). */
export type JsonResponse<O> = O extends { responses: infer R } ? Json<Success<R>> : never;
/** The JSON an operation answers on success, by operationId: `ResponseOf<'ticketsGet'>`. */
export type ResponseOf<K extends keyof operations> = JsonResponse<operations[K]>;
/** An operation's JSON request body, by operationId. */
export type BodyOf<K extends keyof operations> = NonNullable<operations[K]['requestBody']> extends { content: { 'application/json': infer B } } ? B : never;
/** An operation's query parameters, by operationId. */
export type QueryOf<K extends keyof operations> = NonNullable<operations[K]['parameters']['query']>;
/** An item of a list an operation answers (`{ items: T[] }`), by operationId. */
export type ItemOf<K extends keyof operations> = ResponseOf<K> extends { items: (infer T)[] } ? T : never;

type Params<O> = O extends { parameters: infer P } ? P : never;
type PathInit<O> = Params<O> extends { path: infer X } ? { path: X } : unknown;
type QueryInit<O> = Params<O> extends { query: infer Q } ? { query: Q } : Params<O> extends { query?: infer Q } ? ([NonNullable<Q>] extends [never] ? unknown : { query?: NonNullable<Q> }) : unknown;
type BodyInit<O> = O extends { requestBody: { content: infer C } }
  ? C extends { 'application/json': infer B } ? { body: B } : { body: FormData }
  : O extends { requestBody?: { content: infer C } }
    ? C extends { 'application/json': infer B } ? { body?: B } : { body?: FormData }
    : unknown;
/** What a call takes: `path` when the route has path parameters, `query`, `body` (JSON, or FormData for multipart). */
export type Init<O> = PathInit<O> & QueryInit<O> & BodyInit<O>;
type Args<O> = Partial<Init<O>> extends Init<O> ? [init?: Init<O>] : [init: Init<O>];

interface AnyInit {
  path?: Record<string, string | number>;
  query?: object;
  body?: unknown;
}

/** The URL of `path` with its `{name}` parameters filled in (encoded) and the query appended. */
export function urlOf(path: string, init?: AnyInit): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = init?.path?.[name];
    if (value === undefined) throw new Error(`path parameter ${name} missing for ${path}`);
    return encodeURIComponent(String(value));
  });
  return withQuery(filled, init?.query as Query | undefined);
}

async function call(method: string, path: string, init?: AnyInit): Promise<never> {
  return (await request(method.toUpperCase(), urlOf(path, init), init?.body)) as never;
}

export const apiGet = <P extends PathsWith<'get'>>(path: P, ...[init]: Args<Op<P, 'get'>>): Promise<JsonResponse<Op<P, 'get'>>> => call('get', path, init as AnyInit);
export const apiPost = <P extends PathsWith<'post'>>(path: P, ...[init]: Args<Op<P, 'post'>>): Promise<JsonResponse<Op<P, 'post'>>> => call('post', path, init as AnyInit);
export const apiPut = <P extends PathsWith<'put'>>(path: P, ...[init]: Args<Op<P, 'put'>>): Promise<JsonResponse<Op<P, 'put'>>> => call('put', path, init as AnyInit);
export const apiPatch = <P extends PathsWith<'patch'>>(path: P, ...[init]: Args<Op<P, 'patch'>>): Promise<JsonResponse<Op<P, 'patch'>>> => call('patch', path, init as AnyInit);
export const apiDelete = <P extends PathsWith<'delete'>>(path: P, ...[init]: Args<Op<P, 'delete'>>): Promise<JsonResponse<Op<P, 'delete'>>> => call('delete', path, init as AnyInit);
/** The document's named schemas: `Schemas['Ticket']`. */
export type Schemas = components['schemas'];
