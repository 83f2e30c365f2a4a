/*
 * Accounts (用户与登录) — the module's public entry: the only file other modules, the app, the
 * jobs and the CLI import (docs/architecture.md, "Modules").
 */
export { accountsRoutes } from './routes.js';
export {
  activeUserIds, authenticate, createUser, ensureAdmin, issueSystemToken, listUsers, ownView, pruneLoginFailures, resetPassword, setUserStatus, updateUser,
  type NewUser, type UserPatch, type UserView,
} from './service.js';
export { newCaptcha } from './captcha.js';
export type { AccountsTables, Role } from './tables.js';
