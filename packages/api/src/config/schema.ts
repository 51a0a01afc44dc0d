import { configurationSchema } from '@aura/db';
import { z } from 'zod';
import { rowVersionField } from '../keys';
import { pageCursor } from '../paging';
import {
  CONFIG_VALUE_MAX_BYTES,
  DESCRIPTION_MAX,
  LABEL_MAX,
  NAME_MAX,
  boundedJson,
} from '../limits';

export const CONFIG_LIST_DEFAULT_LIMIT = 50;
export const CONFIG_LIST_MAX_LIMIT = 100;
/** The longest Value accepted, as JSON text (before encryption); the input is bounded in bytes. */
export const CONFIG_VALUE_MAX_CHARS = CONFIG_VALUE_MAX_BYTES;

/** Keys are identifiers (`tts.voice`, `providers/openai:apiKey`): also the AAD of an encryption. */
export const configKeyField = configurationSchema.shape.key
  .trim()
  .min(1, 'Key is required')
  .max(NAME_MAX)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/,
    'Use letters, digits and . _ : / - (starting with a letter or digit)',
  );

export const configCategoryField = configurationSchema.shape.category
  .trim()
  .min(1, 'Category is required')
  .max(LABEL_MAX);

export const configGetInput = z.object({
  key: configKeyField,
  /** A deactivated key is NOT_FOUND unless this is set. */
  includeInactive: z.boolean().default(false),
});

/** One category by Key; a cursor is valid only in the category it was cut from. */
export const configListInput = z.object({
  category: configCategoryField,
  includeInactive: z.boolean().default(false),
  limit: z.number().int().min(1).max(CONFIG_LIST_MAX_LIMIT).default(CONFIG_LIST_DEFAULT_LIMIT),
  cursor: pageCursor,
});

/**
 * config.set: creates the key, or updates it when `rowVersion` (the version read) is given.
 * `value` is any JSON value; it is checked against `valueType` by the service (the effective one:
 * the input's, else the stored row's). `category` and `valueType` are required to create and kept
 * when omitted on update; so are `description` and `isSensitive`.
 */
export const configSetInput = z.object({
  key: configKeyField,
  /** Any JSON value of at most 64 KiB; its kind is checked against valueType by the service. */
  value: boundedJson(CONFIG_VALUE_MAX_BYTES, z.unknown()),
  category: configCategoryField.optional(),
  valueType: configurationSchema.shape.valueType.optional(),
  description: configurationSchema.shape.description.unwrap().max(DESCRIPTION_MAX).trim().nullish(),
  isSensitive: configurationSchema.shape.isSensitive.optional(),
  rowVersion: rowVersionField.optional(),
});

export const configDeactivateInput = z.object({
  key: configKeyField,
  rowVersion: rowVersionField,
});

export const configRevealInput = z.object({ key: configKeyField });

/** config.history: one key's entries in the action log, newest first. */
export const configHistoryInput = z.object({
  key: configKeyField,
  limit: z.number().int().min(1).max(CONFIG_LIST_MAX_LIMIT).default(20),
  cursor: pageCursor,
});

export type ConfigGetInput = z.output<typeof configGetInput>;
export type ConfigListQuery = z.output<typeof configListInput>;
export type ConfigSetInput = z.output<typeof configSetInput>;
export type ConfigDeactivateInput = z.output<typeof configDeactivateInput>;
export type ConfigRevealInput = z.output<typeof configRevealInput>;
export type ConfigHistoryQuery = z.output<typeof configHistoryInput>;
