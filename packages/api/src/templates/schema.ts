import { projectStateInsertSchema, projectStateSchema, templateSchema } from '@aura/db';
import { z } from 'zod';
import { pageCursor } from '../paging';
import { DESCRIPTION_MAX, ID_MAX, LABEL_MAX, NAME_MAX, SEARCH_MAX } from '../limits';

export const TEMPLATE_LIST_DEFAULT_LIMIT = 20;
export const TEMPLATE_LIST_MAX_LIMIT = 100;

/** One tag: trimmed, 1..50 characters, no comma (tags are stored comma-separated). */
export const tagSchema = z
  .string()
  .trim()
  .min(1, 'A tag cannot be empty')
  .max(50)
  .refine((tag) => !tag.includes(','), 'A tag cannot contain a comma');

/** A list of tags as clients send it; duplicates (case-insensitive) are dropped, order kept. */
export const tagListSchema = z
  .array(tagSchema)
  .max(30, 'At most 30 tags')
  .transform((tags) => {
    const seen = new Set<string>();
    return tags.filter((tag) => {
      const key = tag.toLowerCase();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  });

/** Splits a stored comma-separated Tags column into tags. */
export function splitTags(tags: string): string[] {
  return tags
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/**
 * Input of templates.list. Filters combine with AND; `tags` matches templates having ANY of the
 * given tags (whole tags, case-insensitively); `search` is a literal substring of Name or
 * Description.
 */
export const templateListInput = z
  .object({
    limit: z
      .number()
      .int()
      .min(1)
      .max(TEMPLATE_LIST_MAX_LIMIT)
      .default(TEMPLATE_LIST_DEFAULT_LIMIT),
    cursor: pageCursor,
    category: templateSchema.shape.category.trim().min(1).max(LABEL_MAX).optional(),
    subCategory: templateSchema.shape.subCategory.trim().max(LABEL_MAX).optional(),
    isSystem: templateSchema.shape.isSystemTemplate.optional(),
    isCommunity: templateSchema.shape.isCommunityTemplate.optional(),
    tags: z.array(tagSchema).min(1).max(20).optional(),
    search: z.string().max(SEARCH_MAX).trim().optional(),
  })
  .prefault({});

export type TemplateListInput = z.input<typeof templateListInput>;
export type TemplateListQuery = z.output<typeof templateListInput>;

/** Template ids are seeded slugs (`system-youtube-explainer`), not UUIDs. */
export const templateIdSchema = templateSchema.shape.id.min(1).max(ID_MAX);

export const templateGetInput = z.object({ id: templateIdSchema });

export const templateCreateProjectInput = z.object({
  templateId: templateIdSchema,
  title: projectStateInsertSchema.shape.title.max(NAME_MAX),
  description: projectStateSchema.shape.description.unwrap().max(DESCRIPTION_MAX).trim().nullish(),
});
export type TemplateCreateProjectInput = z.output<typeof templateCreateProjectInput>;

export const templateRateInput = z.object({
  templateId: templateIdSchema,
  rating: z.number().int('Ratings are whole stars').min(1).max(5),
});
export type TemplateRateInput = z.output<typeof templateRateInput>;

const specSection = z.record(z.string(), z.unknown());

/**
 * `Templates.TemplateData`: the specs a project made from the template starts with, each copied
 * into the project's column of the same role (brief → BriefJson, plan → PlanSpecJson, voice →
 * VoiceSpecJson, render → RenderSpecJson). Other keys are kept but not copied.
 */
export const templateDataSchema = z
  .object({
    brief: specSection.optional(),
    plan: specSection.optional(),
    voice: specSection.optional(),
    render: specSection.optional(),
  })
  .loose();
export type TemplateData = z.output<typeof templateDataSchema>;
