import { existsSync, mkdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';
import type { TestEnv } from './backends.js';
import { refuseInUnitTier } from './tier.js';

refuseInUnitTier('test/support/browser.ts (a browser)');

/*
 * What the browser tests (test/browser) share: the built console and Debian's chromium, the
 * server on a free port, pages with the tests' timeout, signing in through the login page, and
 * small helpers for fields, texts, downloads and screenshots. Builds nothing itself.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The built console (`npm run build:web` → dist/web), served by the app under test. */
export const WEB_DIR = join(ROOT, 'dist', 'web');
const RESULTS_DIR = join(ROOT, 'test-results');
const CHROMIUM = '/usr/bin/chromium';

/** A desktop browser in Shanghai, in Chinese. */
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };
/** A phone in Shanghai, in Chinese (the H5 pages). */
export const MOBILE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' };

/** Throws unless the built console and chromium are there; makes the screenshot directory. */
export function checkBrowserPrerequisites(): void {
  if (!existsSync(join(WEB_DIR, 'index.html'))) {
    throw new Error(`dist/web/index.html is missing: build the console first with \`npm run build:web\` (vite build) — looked in ${WEB_DIR}`);
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  }
  mkdirSync(RESULTS_DIR, { recursive: true });
}

/** Starts the app on a free port on 127.0.0.1; returns its base URL. */
export async function listen(env: TestEnv): Promise<string> {
  await env.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}`;
}

/** Debian's chromium, headless, without the background traffic a first run makes. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A new page with the tests' 15 s timeout; its uncaught errors, and anything the Content Security
 * Policy refused (decision 0006: chromium's console line and the page's securitypolicyviolation
 * event), go to `errors` when given.
 */
export async function openPage(context: BrowserContext, errors?: string[]): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  if (errors) {
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    // The page's own report of each refusal (securitypolicyviolation), besides chromium's console line.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
      });
    });
  }
  return page;
}

/** Closes what a browser test's `beforeAll` opened, as far as it got. */
export async function closeAll(browser: Browser | undefined, env: TestEnv | undefined, tmp: string | undefined): Promise<void> {
  await browser?.close();
  await env?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}

/**
 * Opens `path` not signed in, is sent to the login page, signs in and waits until the console is
 * back at `path` (its query aside).
 */
export async function signIn(page: Page, base: string, username: string, password: string, path: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.waitForURL(/\/login/);
  await field(page, 'login-username').fill(username);
  await field(page, 'login-password').fill(password);
  await page.locator('[data-testid=login-submit]').click();
  await page.waitForURL((url) => url.pathname === path.split('?')[0]);
}

/** A bearer token from the login API, as a client outside the browser gets one. */
export async function apiToken(base: string, username: string, password: string): Promise<string> {
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return ((await login.json()) as { token: string }).token;
}

export type ApiCall = (method: string, path: string, body?: unknown) => Promise<Record<string, unknown>>;

/** Calls the JSON API with `token`; throws on a status that is not ok. */
export function apiCaller(base: string, token: string): ApiCall {
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** An Element Plus input or textarea by its test id (the attribute lands on the inner element). */
export function field(page: Page | Locator, id: string): Locator {
  return page.locator(`[data-testid=${id}] input, input[data-testid=${id}], [data-testid=${id}] textarea, textarea[data-testid=${id}]`).first();
}

/** Waits (up to the page timeout) until the element's text contains `text`. */
export function expectText(locator: Locator) {
  return {
    toContainText: async (text: string) => {
      try {
        await locator.filter({ hasText: text }).first().waitFor();
      } catch {
        const actual = await locator.first().innerText().catch(() => '<missing>');
        throw new Error(`expected ${locator} to contain ${JSON.stringify(text)}, got ${JSON.stringify(actual)}`);
      }
    },
  };
}

/** Clicks `button`, saves the download it starts to `path`; its suggested name and `path`. */
export async function download(page: Page, button: string, path: string): Promise<{ name: string; path: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
  await file.saveAs(path);
  return { name: file.suggestedFilename(), path };
}

/** A full-page screenshot into test-results/ under `name`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS_DIR, name), fullPage: true });
}

/**
 * Latin words a zh-CN screen may show (issue 15 §4): codes, units, formats and names that are
 * Latin in Chinese use too. Anything else Latin on a zh-CN page is an English fragment. Tokens
 * with a digit (IDs, plates, 2026-W49), single letters (plate letters, 一级 A), all-capital
 * abbreviations (API, KPI, SLA, IP, GCJ), and whatever sits in an element marked
 * `data-latin-ok` (usernames, codes, data the user typed, raw keys shown as code) pass as well.
 */
export const LATIN_ALLOWED = new Set([
  'xlsx', 'docx', 'csv', 'jsonl', 'json', 'pdf', 'png', 'jpg', 'km', 'm', 'kg', 'px', 'ms',
  'Zhibo', 'https', 'http', 'Webhook', 'webhook', 'Token', 'token', 'Excel', 'WPS', 'iOS', 'Android',
  'Word', 'ndjson', 'ECharts', 'OpenAPI', 'Swagger', 'Ctrl', 'Enter', 'Esc', 'Tab', 'nginx', 'npm', 'Node', 'PostgreSQL', 'PGlite',
]);

/**
 * The English fragments of what the page shows: visible text (and input placeholders) outside
 * `[data-latin-ok]`, cut into Latin words; those not allowed (LATIN_ALLOWED and the rules above)
 * are returned with a little of the text around them, so that a failure names the place.
 */
export async function englishFragments(page: Page): Promise<string[]> {
  const texts = await page.evaluate(() => {
    const out: string[] = [];
    const visible = (el: Element) => (el as HTMLElement).checkVisibility?.({ checkOpacity: true, checkVisibilityCSS: true }) ?? true;
    const skip = (el: Element | null) => !el || !!el.closest('[data-latin-ok], script, style, noscript, svg, code, pre, kbd, .el-select-dropdown, .el-picker-panel') || !visible(el);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim();
      if (text && !skip(node.parentElement)) out.push(text);
    }
    for (const input of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
      if (!skip(input)) out.push((input as HTMLInputElement).placeholder);
    }
    return out;
  });
  const found: string[] = [];
  for (const text of texts) {
    // Addresses, e-mails, file names and dotted or snake_case codes are codes, not words.
    const cleaned = text.replace(/\bhttps?:\/\/\S+|\S+@\S+|[\w-]+(\.[\w-]+)+|\w+_\w+|\/[\w/.-]+/g, ' ');
    for (const m of cleaned.matchAll(/[A-Za-z][A-Za-z'’]*/g)) {
      const word = m[0];
      if (word.length === 1 || LATIN_ALLOWED.has(word) || /^[A-Z]{2,6}s?$/.test(word)) continue;
      const at = m.index;
      if (/\d/.test(cleaned.slice(Math.max(0, at - 1), at)) || /\d/.test(cleaned.charAt(at + word.length))) continue; // part of a code such as 3F, B2, 10a
      found.push(`${word} ← "${text.slice(0, 80)}"`);
    }
  }
  return [...new Set(found)];
}
