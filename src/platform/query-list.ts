import { badRequest } from './errors.js';

/**
 * A comma-separated list in a query string (`state=open,assigned`), the one reader for every
 * such parameter. Absent or blank: null (no filter). Otherwise every item must be non-empty
 * (`state=,,,` or `a,,b` is a client's bug, never "no filter" and never an SQL `in ()`) and,
 * when a vocabulary is given, one of it; anything else is 400 with `code`.
 */
export function queryList<T extends string>(field: string, raw: string | undefined, vocabulary?: readonly T[], code = 'INVALID_FILTER'): T[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  const items = raw.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) {
    throw badRequest(code, `${field} 含空项，须为逗号分隔的取值 / ${field}: an empty item in a comma-separated list`);
  }
  if (vocabulary) {
    const bad = items.find((s) => !(vocabulary as readonly string[]).includes(s));
    if (bad !== undefined) {
      throw badRequest(code, `${field} 取值无效：${bad.slice(0, 32)} / ${field}: '${bad.slice(0, 32)}' is not one of ${vocabulary.join(', ')}`.slice(0, 400));
    }
  }
  return items as T[];
}
