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
  },
  { $id: 'User' },
);

export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});

export const LoginReply = Type.Object({ token: Type.String(), expiresAt: Type.String(), user: Type.Ref('User') });

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
