// Who is signed in. The token lives in sessionStorage (per tab); the user is re-read from /auth/me.
// The console signs out by itself after the server's idle minutes without a click or a key
// (docs/等保自查.md, "身份鉴别"); the server refuses an idle token as well.
import { computed, ref } from 'vue';
import { getToken, setToken } from '../api/api';
import { authApi } from '../api/endpoints';
import type { BodyOf, Schemas } from '../api/client';
import type { Permission } from '../api/types';

const user = ref<Schemas['User'] | null>(null);
const IDLE_KEY = 'zhibo.idleMinutes';
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart', 'mousemove'] as const;
let lastActivity = Date.now();
let idleTimer: ReturnType<typeof setInterval> | null = null;
let idleHandler: () => void = () => undefined;

export function useAuth() {
  return {
    user,
    signedIn: computed(() => user.value !== null),
    hasToken: () => getToken() !== null,
    can: (permission: Permission | undefined) => !permission || (user.value?.permissions.includes(permission) ?? false),
    login,
    logout,
    loadMe,
    refreshMe,
    forget,
  };
}

/** What runs when the console has been idle too long (the router sends the user to the login page). */
export function onIdle(handler: () => void): void {
  idleHandler = handler;
}

const touch = () => {
  lastActivity = Date.now();
};

function watchIdle(): void {
  stopIdle();
  const minutes = Number(sessionStorage.getItem(IDLE_KEY) ?? 0);
  if (!minutes || typeof document === 'undefined') return;
  lastActivity = Date.now();
  for (const event of ACTIVITY) document.addEventListener(event, touch, { passive: true, capture: true });
  idleTimer = setInterval(() => {
    if (Date.now() - lastActivity < minutes * 60_000) return;
    void logout().finally(() => idleHandler());
  }, 15_000);
}

function stopIdle(): void {
  if (idleTimer) clearInterval(idleTimer);
  idleTimer = null;
  if (typeof document !== 'undefined') for (const event of ACTIVITY) document.removeEventListener(event, touch, { capture: true });
}

async function login(body: BodyOf<'authLogin'>): Promise<Schemas['User']> {
  const reply = await authApi.login(body);
  setToken(reply.token);
  sessionStorage.setItem(IDLE_KEY, String(reply.idleMinutes));
  user.value = reply.user;
  watchIdle();
  return reply.user;
}

async function logout(): Promise<void> {
  try {
    if (getToken()) await authApi.logout();
  } finally {
    forget();
  }
}

/** Restores the user of a stored token; false when there is none or it has expired. */
async function loadMe(): Promise<boolean> {
  if (!getToken()) return false;
  if (user.value) return true;
  try {
    user.value = await authApi.me();
    watchIdle();
    return true;
  } catch {
    forget();
    return false;
  }
}

/** Re-reads the signed-in user (after enrolling a second factor, say). */
async function refreshMe(): Promise<void> {
  user.value = await authApi.me();
}

function forget(): void {
  stopIdle();
  setToken(null);
  user.value = null;
}
