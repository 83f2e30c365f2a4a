import { Type } from 'typebox';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import type { Role } from './tables.js';
import { ChangePasswordBody, LoginBody, LoginReply, NewUserBody, PasswordBody, UsernameParams, UserPatchBody, UserSchema } from './schemas.js';
import * as accounts from './service.js';
import type { AccountsContext } from './repo.js';

export function accountsRoutes(ctx: AccountsContext) {
  return async (app: App) => {
    app.addSchema(UserSchema);

    app.post('/api/v1/auth/login', {
      config: { public: true },
      schema: {
        operationId: 'authLogin',
        tags: ['auth'], summary: '登录 / sign in', security: [], body: LoginBody,
        response: { 200: LoginReply, ...errorResponses(400, 401, 403) },
      },
    }, (req) => accounts.login(ctx, req.body.username, req.body.password, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null }));

    app.post('/api/v1/auth/logout', {
      schema: { operationId: 'authLogout', tags: ['auth'], summary: '退出登录（吊销令牌） / sign out, revoking the token', response: { 204: Type.Null(), ...errorResponses(401) } },
    }, async (req, reply) => {
      await accounts.logout(ctx, actorOf(req), req.tokenId!);
      return reply.code(204).send(null);
    });

    app.get('/api/v1/auth/me', {
      schema: { operationId: 'authMe', tags: ['auth'], summary: '当前用户 / who am I', response: { 200: Type.Ref('User'), ...errorResponses(401) } },
    }, async (req) => {
      const me = (await accounts.listUsers(ctx)).find((u) => u.username === actorOf(req).username);
      return me!;
    });

    app.post('/api/v1/auth/password', {
      schema: { operationId: 'authChangePassword', tags: ['auth'], summary: '修改本人密码 / change own password', body: ChangePasswordBody, response: { 204: Type.Null(), ...errorResponses(400, 401) } },
    }, async (req, reply) => {
      await accounts.changeOwnPassword(ctx, actorOf(req), req.body.oldPassword, req.body.newPassword);
      return reply.code(204).send(null);
    });

    const admin = { preHandler: requirePermission('users:manage') };

    app.get('/api/v1/users', {
      ...admin,
      schema: { operationId: 'usersList', tags: ['users'], summary: '用户列表 / list users', response: { 200: Type.Object({ items: Type.Array(Type.Ref('User')) }), ...errorResponses(401, 403) } },
    }, async () => ({ items: await accounts.listUsers(ctx) }));

    app.post('/api/v1/users', {
      ...admin,
      schema: { operationId: 'usersCreate', tags: ['users'], summary: '新建用户 / create a user', body: NewUserBody, response: { 201: Type.Ref('User'), ...errorResponses(400, 401, 403, 409) } },
    }, async (req, reply) => {
      const user = await accounts.createUser(ctx, actorOf(req), { ...req.body, role: req.body.role as Role });
      return reply.code(201).send(user);
    });

    app.patch('/api/v1/users/:username', {
      ...admin,
      schema: {
        operationId: 'usersUpdate', tags: ['users'], summary: '修改角色、县市区或停用 / change role, district or disabled',
        description: '县市区用户须有 districtCode；最后一个启用的管理员不能降级或停用（409 LAST_ADMIN）；停用即注销其全部登录。逐项审计。/ '
          + 'District users need a district; the last active admin cannot be demoted or disabled (409 LAST_ADMIN); disabling signs the user out. Audited.',
        params: UsernameParams, body: UserPatchBody, response: { 200: Type.Ref('User'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    }, (req) => accounts.updateUser(ctx, actorOf(req), req.params.username, req.body));

    app.post('/api/v1/users/:username/disable', {
      ...admin,
      schema: { operationId: 'usersDisable', tags: ['users'], summary: '停用用户 / disable a user', params: UsernameParams, response: { 200: Type.Ref('User'), ...errorResponses(400, 401, 403, 404, 409) } },
    }, (req) => accounts.setUserStatus(ctx, actorOf(req), req.params.username, 'disabled'));

    app.post('/api/v1/users/:username/enable', {
      ...admin,
      schema: { operationId: 'usersEnable', tags: ['users'], summary: '启用用户 / enable a user', params: UsernameParams, response: { 200: Type.Ref('User'), ...errorResponses(401, 403, 404) } },
    }, (req) => accounts.setUserStatus(ctx, actorOf(req), req.params.username, 'active'));

    app.post('/api/v1/users/:username/reset-password', {
      ...admin,
      schema: { operationId: 'usersResetPassword', tags: ['users'], summary: '重置密码（并解锁） / reset password and unlock', params: UsernameParams, body: PasswordBody, response: { 200: Type.Ref('User'), ...errorResponses(400, 401, 403, 404) } },
    }, (req) => accounts.resetPassword(ctx, actorOf(req), req.params.username, req.body.password));
  };
}
