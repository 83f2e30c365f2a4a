// The server's "中文 / English" texts in the console's language. Apart from index.ts (which
// creates the i18n instance and reads localStorage) so that the API layer can use it anywhere,
// tests without a browser included: the language is the document's (index.ts keeps it set).

const currentLocale = (): string => (typeof document === 'undefined' ? 'zh-CN' : document.documentElement.lang || 'zh-CN');

const CJK = /[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]/;

/**
 * A text of the server in the console's language. The API's messages are "中文 / English" (error
 * messages, import verdicts, reasons): on a Chinese screen the Chinese half, on an English one
 * the English half. The cut is the first " / " with Chinese before it and none after it, so a
 * text that is all Chinese, or that lists "a / b" inside its Chinese, stays whole.
 */
export function localText(text: string, locale: string = currentLocale()): string {
  for (let i = text.indexOf(' / '); i >= 0; i = text.indexOf(' / ', i + 1)) {
    const before = text.slice(0, i);
    const after = text.slice(i + 3);
    if (CJK.test(before) && !CJK.test(after)) return locale === 'en' ? after.trim() : before.trim();
  }
  return text;
}
