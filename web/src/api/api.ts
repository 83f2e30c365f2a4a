// The transport of the console's API calls: bearer token from sessionStorage, JSON in and out,
// FormData bodies as multipart, errors as ApiError carrying the API's { error: { code, message } },
// a 401 on a signed-in call clears the token and calls onUnauthorized's handler. Pages call the API
// through client.ts (typed by the generated schema.d.ts) or api.download / api.uploadWithProgress.
import { localText } from '../i18n/local-text';
import { saveResponse } from './download';

const TOKEN_KEY = 'zhibo.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    // The API's "中文 / English" message, in the console's language.
    super(localText(message));
    this.name = 'ApiError';
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

let unauthorizedHandler: (() => void) | null = null;

/** Called when a signed-in request comes back 401 (session expired or revoked). */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * `bearer` is another credential than the console's (the H5 citizen token of 我的停车): sent
 * instead of the signed-in token, and a 401 on it leaves the console's session alone.
 */
async function send(method: string, path: string, body?: unknown, bearer?: string): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = bearer === undefined ? getToken() : null;
  if (bearer !== undefined) headers.authorization = `Bearer ${bearer}`;
  else if (token) headers.authorization = `Bearer ${token}`;
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload });
  } catch (e) {
    throw new ApiError(0, 'NETWORK_ERROR', `网络错误 / network error: ${(e as Error).message}`);
  }
  if (res.ok) return res;
  const error = await readError(res);
  if (res.status === 401 && token) {
    setToken(null);
    unauthorizedHandler?.();
  }
  throw error;
}

async function readError(res: Response): Promise<ApiError> {
  try {
    const data = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (data.error?.code) return new ApiError(res.status, data.error.code, data.error.message ?? data.error.code, data.error.details);
  } catch {
    // not JSON: fall through
  }
  return new ApiError(res.status, `HTTP_${res.status}`, `${res.status} ${res.statusText}`.trim());
}

async function json<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** One call: the answer's JSON (undefined for 204), or an ApiError. Typed per route by client.ts. */
export async function request(method: string, url: string, body?: unknown, bearer?: string): Promise<unknown> {
  return json<unknown>(await send(method, url, body, bearer));
}

/** What client.ts's typed calls do not cover: an upload with progress, and file downloads. */
export const api = {
  /** multipart/form-data upload through XMLHttpRequest, which (unlike fetch) reports upload progress. */
  uploadWithProgress: <T>(path: string, form: FormData, query: Query | undefined, onProgress: (loaded: number, total: number) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      const token = getToken();
      xhr.open('POST', withQuery(path, query));
      xhr.setRequestHeader('accept', 'application/json');
      if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
      xhr.onerror = () => reject(new ApiError(0, 'NETWORK_ERROR', '网络错误 / network error'));
      xhr.onload = () => {
        let data: unknown;
        try {
          data = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
        } catch {
          data = undefined;
        }
        if (xhr.status >= 200 && xhr.status < 300) return resolve(data as T);
        const error = (data as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
        if (xhr.status === 401 && token) {
          setToken(null);
          unauthorizedHandler?.();
        }
        reject(error?.code ? new ApiError(xhr.status, error.code, error.message ?? error.code, error.details) : new ApiError(xhr.status, `HTTP_${xhr.status}`, `${xhr.status} ${xhr.statusText}`.trim()));
      };
      xhr.send(form);
    }),
  /** GET a binary answer (an image) with the bearer header, as a Blob: an <img> cannot send the header itself. */
  blob: async (path: string): Promise<Blob> => (await send('GET', path)).blob(),
  /** GET a file with the bearer header and save it through an object URL. */
  download: async (path: string, fallbackName: string, query?: Query): Promise<void> => {
    await saveResponse(await send('GET', withQuery(path, query)), fallbackName);
  },
};
