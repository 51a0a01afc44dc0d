import { apiTokenInsertSchema, userInsertSchema, userSchema } from '@aura/db';
import { z } from 'zod';
import { versionedKey } from '../keys';
import { EMAIL_MAX, NAME_MAX, PASSWORD_MAX, uuidField } from '../limits';
import { MAX_TOKEN_DAYS } from './service';

/** The login name: trimmed; the service lower-cases it. */
const emailField = userInsertSchema.shape.email
  .max(EMAIL_MAX)
  .trim()
  .pipe(z.email('Enter a valid email address'));

/** A new password (never stored: only its hash is). */
const newPasswordField = z.string().min(10, 'Use at least 10 characters').max(PASSWORD_MAX);

export const loginInput = z.object({
  email: emailField,
  // Any length up to the cap: an old password may predate the current minimum.
  password: z.string().min(1).max(PASSWORD_MAX),
});

export const tokenCreateInput = z.object({
  name: apiTokenInsertSchema.shape.name.trim().min(1, 'Name the token').max(NAME_MAX),
  expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(90),
});

/** The caller's tokens by default; an admin may name a user or ask for everyone's. */
export const tokenListInput = z
  .object({ userId: uuidField('User id').optional(), all: z.boolean().optional() })
  .optional();

export const tokenRevokeInput = z.object({ id: uuidField('Token id') });

export const userCreateInput = z.object({
  email: emailField,
  displayName: userInsertSchema.shape.displayName.trim().max(NAME_MAX).optional(),
  role: userSchema.shape.role,
  /** Generated (and returned once) when omitted. */
  password: newPasswordField.optional(),
});

export const userUpdateInput = versionedKey('User').extend({
  role: userSchema.shape.role.optional(),
  isActive: userSchema.shape.isActive.optional(),
  displayName: userSchema.shape.displayName.trim().min(1).max(NAME_MAX).optional(),
});

/** users.resetPassword: the user whose password an admin replaces with a generated one. */
export const userResetPasswordInput = z.object({ id: uuidField('User id') });

/** auth.changePassword: the caller's own, with the current password. */
export const changePasswordInput = z.object({
  currentPassword: z.string().min(1, 'Enter your current password').max(PASSWORD_MAX),
  newPassword: newPasswordField,
});

export type LoginInput = z.output<typeof loginInput>;
export type TokenCreateInput = z.output<typeof tokenCreateInput>;
export type TokenListInput = z.output<typeof tokenListInput>;
export type UserCreateInput = z.output<typeof userCreateInput>;
export type UserUpdateInput = z.output<typeof userUpdateInput>;
