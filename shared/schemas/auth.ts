import { Type, type Static } from 'typebox';
import { Id } from './common';

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('manager')]);
export type Role = Static<typeof Role>;

const Email = Type.String({ format: 'email', maxLength: 254 });
// 10+ characters: long enough to resist guessing, short enough to type on a phone.
const Password = Type.String({ minLength: 10, maxLength: 200 });
const PersonName = Type.String({ minLength: 1, maxLength: 120 });

export const User = Type.Object({ id: Id, email: Type.String(), name: Type.String(), role: Role });
export type User = Static<typeof User>;
export const Agency = Type.Object({ id: Id, name: Type.String() });
export type Agency = Static<typeof Agency>;

export const SignupBody = Type.Object(
  { agencyName: Type.String({ minLength: 1, maxLength: 120 }), email: Email, password: Password, name: Type.Optional(PersonName) },
  { additionalProperties: false },
);
export type SignupBody = Static<typeof SignupBody>;
export const LoginBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;
export const AuthResponse = Type.Object({ token: Type.String(), expiresAt: Type.String(), user: User, agency: Agency });
export type AuthResponse = Static<typeof AuthResponse>;
export const MeResponse = Type.Object({ user: User, agency: Agency });

export const CreateUserBody = Type.Object(
  { email: Email, password: Password, name: Type.Optional(PersonName), role: Role },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;
export const UpdateUserBody = Type.Object(
  { name: Type.Optional(PersonName), role: Type.Optional(Role), password: Type.Optional(Password) },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;
