import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN, { type Messages } from './zh-CN';

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];
const STORAGE_KEY = 'zhibo.locale';

declare module 'vue-i18n' {
  // Typed message keys for t(): a typo is a type error.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  export interface DefineLocaleMessage extends Messages {}
}

function storedLocale(): Locale {
  const value = localStorage.getItem(STORAGE_KEY);
  return value === 'en' ? 'en' : 'zh-CN';
}

// Parameters stay raw (no `escapeParameter`): nearly every message ends in a Vue template or an
// Element Plus prop, which show it as text, and escaped parameters would show there as `&lt;` or
// `&#x2F;`. The few places that build HTML escape the translated text themselves (utils/html.ts).
export const i18n = createI18n({
  legacy: false,
  locale: storedLocale(),
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zhCN, en },
});

document.documentElement.lang = i18n.global.locale.value;

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  localStorage.setItem(STORAGE_KEY, locale);
  document.documentElement.lang = locale;
}


export { localText } from './local-text';
