import { Type } from 'typebox';
import { actorOf, errorResponses, requirePermission, type App } from '../../platform/http.js';
import type { Role } from './tables.js';
import { addressLimit } from '../../platform/address-limit.js';
import {
  CaptchaReply, ChangePasswordBody, LoginBody, LoginReply, NewUserBody, OtpBody, PasswordBody, TotpDisableBody, TotpSetupReply, TotpStatusReply,
  UsernameParams, UserPatchBody, UserSchema,
} from './schemas.js';
import * as accounts from './service.js';
import { newCaptcha } from './captcha.js';
import { disableTotp, enableTotp, recoveryCodesLeft, resetTotp, startTotp, totpEnabledIds, totpRequiredFor } from './second-factor.js';
import type { AccountsContext } from './repo.js';

/** Sign-in bodies are a few short strings; own-account bodies likewise (decision 0023). */
export const AUTH_BODY_LIMIT = 4 * 1024;
const LIMIT_NOTE = '每个 IP 每分钟限 ZHIBO_LOGIN_RATE_PER_MINUTE 次（默认 30，与验证码共用），超出 429 RATE_LIMITED。/ Per IP ZHIBO_LOGIN_RATE_PER_MINUTE a minute (default 30, shared with the captcha), beyond 429.';

export function accountsRoutes(ctx: AccountsContext) {
  return async (app: App) => {
    app.addSchema(UserSchema);

    // Sign-in and its captcha: one budget per client address on the app's shared rate limiter.
    const signInLimit = addressLimit(app, { name: 'login', max: ctx.config.loginRatePerMinute, windowMs: 60_000 });
    const own = { bodyLimit: AUTH_BODY_LIMIT };

    app.post('/api/v1/auth/login', {
      config: { public: true }, onRequest: signInLimit, bodyLimit: AUTH_BODY_LIMIT,
      schema: {
        operationId: 'authLogin',
        tags: ['auth'], summary: '登录 / sign in', security: [], body: LoginBody,
        description: '连续失败后须带验证码（401 CAPTCHA_REQUIRED，details.captchaRequired）；已启用动态口令的用户须带 otp（401 OTP_REQUIRED）。'
          + `${LIMIT_NOTE} / After failed sign-ins a captcha is required; users with TOTP on need otp.`,
        response: { 200: LoginReply, ...errorResponses(400, 401, 403, 429) },
      },
    }, (req) => accounts.login(ctx, req.body, { ip: req.ip, userAgent: req.headers['user-agent'] ?? null }));

    app.get('/api/v1/auth/captcha', {
      config: { public: true }, onRequest: signInLimit,
      schema: {
        operationId: 'authCaptcha', tags: ['auth'], security: [],
        summary: '登录验证码（本地生成的图片）/ a login captcha, drawn on the server',
        description: `有效 5 分钟，仅可尝试一次。${LIMIT_NOTE}`,
        response: { 200: CaptchaReply, ...errorResponses(429) },
      },
    }, async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return newCaptcha(ctx.db, req.ip, ctx.clock.now());
    });

    app.get('/api/v1/auth/totp', {
      schema: { operationId: 'authTotpStatus', tags: ['auth'], summary: '本人动态口令状态 / own TOTP status', response: { 200: TotpStatusReply, ...errorResponses(401) } },
    }, async (req) => {
      const actor = actorOf(req);
      const me = await accounts.ownView(ctx, actor.userId!);
      return { enabled: (await totpEnabledIds(ctx.db, [actor.userId!])).size > 0, required: totpRequiredFor(ctx.config, me.role), recoveryCodesLeft: await recoveryCodesLeft(ctx.db, actor.userId!) };
    });

    app.post('/api/v1/auth/totp/setup', {
      ...own,
      schema: {
        operationId: 'authTotpSetup', tags: ['auth'], summary: '开始绑定动态口令：密钥与二维码 / start TOTP enrolment: secret and QR code',
        response: { 200: TotpSetupReply, ...errorResponses(401, 409) },
      },
    }, async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return startTotp(ctx, actorOf(req));
    });

    app.post('/api/v1/auth/totp/enable', {
      ...own,
      schema: {
        operationId: 'authTotpEnable', tags: ['auth'], summary: '以第一个动态口令确认绑定，返回恢复码（仅此一次）/ confirm with a first code; returns recovery codes once',
        body: OtpBody, response: { 200: Type.Object({ recoveryCodes: Type.Array(Type.String()) }), ...errorResponses(400, 401, 409) },
      },
    }, async (req, reply) => {
      reply.header('cache-control', 'no-store');
      return enableTotp(ctx, actorOf(req), req.body.code);
    });

    app.post('/api/v1/auth/totp/disable', {
      ...own,
      schema: {
        operationId: 'authTotpDisable', tags: ['auth'], summary: '停用本人动态口令（角色要求时不可）/ turn own TOTP off (not when the role requires it)',
        body: TotpDisableBody, response: { 204: Type.Null(), ...errorResponses(400, 401, 409) },
      },
    }, async (req, reply) => {
      const actor = actorOf(req);
      await disableTotp(ctx, actor, (await accounts.ownView(ctx, actor.userId!)).role, req.body.password, req.body.code);
      return reply.code(204).send(null);
    });

    app.post('/api/v1/auth/logout', {
      schema: { operationId: 'authLogout', tags: ['auth'], summary: '退出登录（吊销令牌） / sign out, revoking the token', response: { 204: Type.Null(), ...errorResponses(401) } },
    }, async (req, reply) => {
      await accounts.logout(ctx, actorOf(req), req.tokenId!);
      return reply.code(204).send(null);
    });

    app.get('/api/v1/auth/me', {
      schema: { operationId: 'authMe', tags: ['auth'], summary: '当前用户 / who am I', response: { 200: Type.Ref('User'), ...errorResponses(401) } },
    }, (req) => accounts.ownView(ctx, actorOf(req).userId!));

    app.post('/api/v1/auth/password', {
      ...own,
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

    app.post('/api/v1/users/:username/totp-reset', {
      ...admin,
      schema: {
        operationId: 'usersTotpReset', tags: ['users'], summary: '清除用户的动态口令（手机丢失）/ clear a user\'s TOTP (lost phone)',
        description: '用户下次登录后重新绑定（角色要求时必须）。审计。/ The user enrols again after the next sign-in. Audited.',
        params: UsernameParams, response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    }, async (req, reply) => {
      await resetTotp(ctx, actorOf(req), req.params.username);
      return reply.code(204).send(null);
    });
  };
}
