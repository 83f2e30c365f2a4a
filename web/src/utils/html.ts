// Text into HTML. Vue templates escape by themselves; what builds an HTML string by hand — an
// ECharts tooltip formatter (its result is set as innerHTML) — passes every piece of text through
// here, translated messages included, since their parameters are names users typed
// (docs/architecture.md, cross-cutting rules: escaping and CSP).

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** `value` as text that HTML shows as it is: `&`, `<`, `>`, `"` and `'` as entities; null and undefined as ''. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Lines of plain text as tooltip HTML: each line escaped, joined by `<br/>`. */
export function htmlLines(lines: readonly unknown[]): string {
  return lines.map(escapeHtml).join('<br/>');
}
