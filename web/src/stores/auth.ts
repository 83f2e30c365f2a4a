// Who is signed in. The token lives in sessionStorage (per tab); the user is re-read from /auth/me.
import { computed, ref } from 'vue';
import { getToken, setToken } from '../api/api';
import { authApi } from '../api/endpoints';
import type { Schemas } from '../api/client';
import type { Permission } from '../api/types';

const user = ref<Schemas['User'] | null>(null);

export function useAuth() {
  return {
    user,
    signedIn: computed(() => user.value !== null),
    hasToken: () => getToken() !== null,
    can: (permission: Permission | undefined) => !permission || (user.value?.permissions.includes(permission) ?? false),
    login,
    logout,
    loadMe,
    forget,
  };
}

async function login(username: string, password: string): Promise<Schemas['User']> {
  const reply = await authApi.login(username, password);
  setToken(reply.token);
  user.value = reply.user;
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
    return true;
  } catch {
    forget();
    return false;
  }
}

function forget(): void {
  setToken(null);
  user.value = null;
}
