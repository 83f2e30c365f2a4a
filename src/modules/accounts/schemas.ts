import { Type } from 'typebox';

export const RoleSchema = Type.Union(
  ['admin', 'bureau', 'district', 'ops', 'viewer', 'share_owner'].map((r) => Type.Literal(r)),
  { description: '角色 / role' },
);

export const UserSchema = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    displayName: Type.Union([Type.String(), Type.Null()]),
    role: Type.String(),
    districtCode: Type.Union([Type.String(), Type.Null()]),
    status: Type.String(),
    lockedUntil: Type.Union([Type.String(), Type.Null()]),
    lastLoginAt: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
    permissions: Type.Array(Type.String()),
    totpEnabled: Type.Optional(Type.Boolean({ description: '已启用动态口令 / TOTP second factor on' })),
    totpRequired: Type.Optional(Type.Boolean({ description: '角色要求动态口令（ZHIBO_TOTP_REQUIRED）/ the role must use TOTP' })),
    passwordExpiresAt: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: '密码到期时间；null 不过期 / when the password expires' })),
    restriction: Type.Optional(Type.Union([Type.Literal('PASSWORD_EXPIRED'), Type.Literal('TOTP_ENROLMENT_REQUIRED'), Type.Null()], {
      description: '须先处理：PASSWORD_EXPIRED 修改密码，TOTP_ENROLMENT_REQUIRED 绑定动态口令；此前只能访问 /api/v1/auth/ / what the user must do first; until then only /api/v1/auth/ routes answer',
    })),
  },
  { $id: 'User' },
);

export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
  captchaId: Type.Optional(Type.String({ maxLength: 64, description: '验证码编号（GET /api/v1/auth/captcha）/ captcha id' })),
  captchaAnswer: Type.Optional(Type.String({ maxLength: 16, description: '验证码答案，不区分大小写 / captcha answer, any case' })),
  otp: Type.Optional(Type.String({ maxLength: 16, description: '动态口令（6 位）或恢复码（xxxxx-xxxxx）/ TOTP code or recovery code' })),
});

export const LoginReply = Type.Object({
  token: Type.String(),
  expiresAt: Type.String(),
  idleMinutes: Type.Integer({ description: '无操作多少分钟后登录失效（0 不限）/ idle minutes before the token is refused (0: never)' }),
  user: Type.Ref('User'),
});

export const CaptchaReply = Type.Object({
  id: Type.String(),
  image: Type.String({ description: 'data:image/svg+xml;base64,…' }),
  expiresAt: Type.String(),
});

export const TotpSetupReply = Type.Object({
  secret: Type.String({ description: 'Base32 密钥，供无法扫码时手工输入 / base32 secret for manual entry' }),
  otpauthUrl: Type.String(),
  qrCode: Type.String({ description: 'data:image/svg+xml;base64,…（服务器本地生成）/ drawn on the server' }),
});
export const OtpBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 16 }) }, { additionalProperties: false });
export const TotpDisableBody = Type.Object({
  password: Type.String({ minLength: 1, maxLength: 256 }),
  code: Type.String({ minLength: 1, maxLength: 16 }),
}, { additionalProperties: false });
export const TotpStatusReply = Type.Object({ enabled: Type.Boolean(), required: Type.Boolean(), recoveryCodesLeft: Type.Integer() });

export const NewUserBody = Type.Object({
  username: Type.String({ minLength: 2, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
  role: RoleSchema,
  districtCode: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  displayName: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
});

export const PasswordBody = Type.Object({ password: Type.String({ minLength: 1, maxLength: 256 }) });
export const ChangePasswordBody = Type.Object({
  oldPassword: Type.String({ minLength: 1, maxLength: 256 }),
  newPassword: Type.String({ minLength: 1, maxLength: 256 }),
});
export const UsernameParams = Type.Object({ username: Type.String({ maxLength: 64 }) });

export const UserPatchBody = Type.Object({
  role: Type.Optional(Type.String({ maxLength: 20, description: 'admin | bureau | district | ops | viewer' })),
  districtCode: Type.Optional(Type.Union([Type.String({ maxLength: 20 }), Type.Null()], { description: '县市区代码，district 角色必填；其他角色为空 / required for district users, none for other roles' })),
  disabled: Type.Optional(Type.Boolean({ description: 'true 停用（并注销其全部登录），false 启用 / true disables (and signs out everywhere), false enables' })),
}, { additionalProperties: false });
