// How a list page's filters are written into the URL query and into API parameters, and read back.
// Each filter kind knows its empty value and its query keys; useListPage (useListPage.ts) composes them.
import type { LocationQuery, LocationQueryRaw } from 'vue-router';

// Methods (not function properties), so that a FilterDef<string> is also a FilterDef<unknown>.
export interface FilterDef<V> {
  /** The value after "reset", and when the URL does not carry the filter. */
  empty(): V;
  /** The value from a URL query (the filter's own key or keys only). */
  read(query: LocationQuery, name: string): V;
  /** The query entries for a value (none for an empty one). */
  write(value: V, name: string): Record<string, string | string[]>;
}

export type FilterDefs = Record<string, FilterDef<unknown>>;
export type FilterValues<D extends FilterDefs> = { [K in keyof D]: D[K] extends FilterDef<infer V> ? V : never };

const first = (v: LocationQuery[string] | undefined): string | null => {
  const one = Array.isArray(v) ? v[0] : v;
  return typeof one === 'string' ? one : null;
};

/**
 * A text or a single choice. With a `fallback` (a default other than ''), a URL without the key
 * means the fallback, and a cleared choice is kept as an empty value (`?state=`: all).
 */
function text(fallback = ''): FilterDef<string> {
  return {
    empty: () => fallback,
    read: (query, name) => (name in query ? (first(query[name]) ?? '') : fallback),
    write: (value, name) => {
      const v = (value ?? '').trim();
      return v === '' && fallback === '' ? {} : { [name]: v };
    },
  };
}

/** Several choices; in the URL as a repeated key (`?state=a&state=b`). */
function list(): FilterDef<string[]> {
  return {
    empty: () => [],
    read: (query, name) => {
      const v = query[name];
      const all = Array.isArray(v) ? v : [v];
      return all.filter((x): x is string => typeof x === 'string' && x !== '');
    },
    write: (value, name) => (value.length ? { [name]: [...value] } : {}),
  };
}

/** A number; anything else in the URL reads as no filter. */
function number(): FilterDef<number | null> {
  return {
    empty: () => null,
    read: (query, name) => {
      const v = first(query[name]);
      const n = v === null || v.trim() === '' ? NaN : Number(v);
      return Number.isFinite(n) ? n : null;
    },
    write: (value, name) => (value === null || !Number.isFinite(value) ? {} : { [name]: String(value) }),
  };
}

/** A date range edited by one picker, kept as two keys (`from`, `to`: 'YYYY-MM-DD', both ends included). */
function dateRange(fromKey = 'from', toKey = 'to'): FilterDef<[string, string] | null> {
  return {
    empty: () => null,
    read: (query) => {
      const from = first(query[fromKey]);
      const to = first(query[toKey]);
      return from && to ? [from, to] : null;
    },
    write: (value) => (value?.[0] && value[1] ? { [fromKey]: value[0], [toKey]: value[1] } : {}),
  };
}

/** A check box: `?name=true` when ticked, absent otherwise. */
function flag(): FilterDef<boolean> {
  return {
    empty: () => false,
    read: (query, name) => first(query[name]) === 'true',
    write: (value, name) => (value ? { [name]: 'true' } : {}),
  };
}

export const filter = { text, list, number, dateRange, flag };

/** The query of all filters (lists as arrays): what the API is asked with. */
export function filtersToQuery<D extends FilterDefs>(defs: D, values: FilterValues<D>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, def] of Object.entries(defs)) Object.assign(out, def.write(values[name as keyof D], name));
  return out;
}

/** The same for the URL: a filter at its default is left out, so that a plain link means the defaults. */
export function filtersToUrl<D extends FilterDefs>(defs: D, values: FilterValues<D>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, def] of Object.entries(defs)) {
    const written = def.write(values[name as keyof D], name);
    if (JSON.stringify(written) !== JSON.stringify(def.write(def.empty(), name))) Object.assign(out, written);
  }
  return out;
}

/** The same as API parameters: one string a key, lists joined by commas. */
export function queryToParams(query: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) out[key] = Array.isArray(value) ? value.join(',') : value;
  return out;
}

/** Two queries hold the same entries (order aside; a single value equals a one-element list). */
export function sameQuery(a: LocationQueryRaw | LocationQuery, b: LocationQueryRaw | LocationQuery): boolean {
  const norm = (q: LocationQueryRaw | LocationQuery) =>
    JSON.stringify(
      Object.entries(q)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map((x) => (x === null ? '' : String(x)))])
        .sort(([x], [y]) => String(x).localeCompare(String(y))),
    );
  return norm(a) === norm(b);
}
