// The console's typed calls to the API (decision 0012): a thin wrapper over the types that
// openapi-typescript generates from the OpenAPI document (schema.d.ts, `npm run api:generate`).
// `apiGet('/api/v1/tickets/{id}', { path: { id } })` checks the path, its parameters, the query
// and the JSON body against the document and answers the operation's success type; the transport
// (token, 401, ApiError) is api.ts's.
import { api, request, withQuery, type Query } from './api';
import type { components, operations, paths } from './schema';

export type { components, operations, paths };

/** The API paths that have an operation for method `M`. */
export type PathsWith<M extends 'get' | 'post' | 'put' | 'patch' | 'delete'> = { [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never }[keyof paths];
/** The JSON an operation answers on success (200, else 201, else 202; undefined for 204 or a file). */
export type JsonResponse<O> = O extends { responses: infer R }
  ? (R extends { 200: infer A } ? A : R extends { 201: infer A } ? A : R extends { 202: infer A } ? A : undefined) extends { content: { 'application/json': infer T } } ? T : undefined
  : never;
/**
 * What a call takes: `path` when the route has path parameters (a string parameter takes a number too,
 * as the URL does), `query`, `body` (JSON, or FormData for multipart).
 */
export type Init<O> = (O extends { parameters: { path: infer X } } ? { path: { [K in keyof X]: X[K] extends string ? string | number : X[K] } } : unknown)
  & (O extends { parameters: { query: infer Q } } ? { query: Q } : O extends { parameters: { query?: infer Q } } ? ([NonNullable<Q>] extends [never] ? unknown : { query?: NonNullable<Q> }) : unknown)
  & (O extends { requestBody?: infer RB }
    ? [NonNullable<RB>] extends [never] ? unknown
      : (NonNullable<RB> extends { content: { 'application/json': infer B } } ? B : FormData) extends infer X
        ? (O extends { requestBody: unknown } ? { body: X } : { body?: X }) : never
    : unknown)
  & { /** Another bearer token than the console's (the H5 citizen token); see api.ts send. */ bearer?: string };
/** The call's arguments: the init may be left out when nothing in it is required. */
type Args<O> = Partial<Init<O>> extends Init<O> ? [init?: Init<O>] : [init: Init<O>];

/** The JSON an operation answers on success, by operationId: `ResponseOf<'ticketsGet'>`. */
export type ResponseOf<K extends keyof operations> = JsonResponse<operations[K]>;
/** An item of the list an operation answers (`{ items: T[] }`), by operationId. */
export type ItemOf<K extends keyof operations> = ResponseOf<K> extends { items: (infer T)[] } ? T : never;
/** An operation's JSON request body, by operationId. */
export type BodyOf<K extends keyof operations> = NonNullable<operations[K]['requestBody']> extends { content: { 'application/json': infer B } } ? B : never;
/** An operation's query parameters, by operationId. */
export type QueryOf<K extends keyof operations> = NonNullable<operations[K]['parameters']['query']>;

/** The URL of `path` with its `{name}` parameters filled in (encoded) and the query appended. */
export function urlOf(path: string, init?: { path?: Record<string, string | number>; query?: object }): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = init?.path?.[name];
    if (value === undefined) throw new Error(`path parameter ${name} missing for ${path}`);
    return encodeURIComponent(String(value));
  });
  return withQuery(filled, init?.query as Query | undefined);
}

async function call(method: string, path: string, init: unknown): Promise<never> {
  const given = init as { path?: Record<string, string | number>; query?: object; body?: unknown; bearer?: string } | undefined;
  return (await request(method.toUpperCase(), urlOf(path, given), given?.body, given?.bearer)) as never;
}

export const apiGet = <P extends PathsWith<'get'>>(path: P, ...[init]: Args<NonNullable<paths[P]['get']>>): Promise<JsonResponse<NonNullable<paths[P]['get']>>> => call('get', path, init);
export const apiPost = <P extends PathsWith<'post'>>(path: P, ...[init]: Args<NonNullable<paths[P]['post']>>): Promise<JsonResponse<NonNullable<paths[P]['post']>>> => call('post', path, init);
export const apiPut = <P extends PathsWith<'put'>>(path: P, ...[init]: Args<NonNullable<paths[P]['put']>>): Promise<JsonResponse<NonNullable<paths[P]['put']>>> => call('put', path, init);
export const apiPatch = <P extends PathsWith<'patch'>>(path: P, ...[init]: Args<NonNullable<paths[P]['patch']>>): Promise<JsonResponse<NonNullable<paths[P]['patch']>>> => call('patch', path, init);
export const apiDelete = <P extends PathsWith<'delete'>>(path: P, ...[init]: Args<NonNullable<paths[P]['delete']>>): Promise<JsonResponse<NonNullable<paths[P]['delete']>>> => call('delete', path, init);
/** A binary GET (an image) by its typed path, as a Blob (api.ts api.blob): `apiGetBlob('/api/v1/sessions/{id}/photos/{which}', { path })`. */
export const apiGetBlob = <P extends PathsWith<'get'>>(path: P, ...[init]: Args<NonNullable<paths[P]['get']>>): Promise<Blob> =>
  api.blob(urlOf(path, init as { path?: Record<string, string | number> } | undefined));
/** The document's named schemas: `Schemas['Ticket']`. */
export type Schemas = components['schemas'];
