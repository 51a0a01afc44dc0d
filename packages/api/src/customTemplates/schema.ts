import { customTemplateSchema, projectStateInsertSchema, projectStateSchema } from '@aura/db';
import { z } from 'zod';
import { versionedKey } from '../keys';
import { pageCursor } from '../paging';
import { tagListSchema } from '../templates/schema';
import { DESCRIPTION_MAX, LABEL_MAX, NAME_MAX, uuidField } from '../limits';

/*
 * The four JSON sections of a custom template. Each is a strict object (an unknown key is a typo
 * and fails with its path), shaped after what a narrated-video pipeline needs.
 */

const label = (max: number) => z.string().trim().min(1, 'Cannot be empty').max(max);
/** Four hours: longer than any video this studio renders. */
const MAX_SECONDS = 14_400;

/** How the script is laid out: its sections in order, each with a duration and guidance. */
export const scriptStructureSchema = z
  .strictObject({
    sections: z
      .array(
        z.strictObject({
          name: label(100),
          durationSeconds: z
            .number()
            .positive('A section lasts more than 0 seconds')
            .max(MAX_SECONDS),
          guidance: z.string().trim().max(2000).optional(),
        }),
      )
      .min(1, 'At least one section')
      .max(100),
    targetDurationSeconds: z.number().positive().max(MAX_SECONDS).optional(),
    tone: label(100).optional(),
    pacing: z.enum(['slow', 'medium', 'fast']).optional(),
  })
  .superRefine((value, ctx) => {
    const total = value.sections.reduce((sum, s) => sum + s.durationSeconds, 0);
    if (total > MAX_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['sections'],
        message: `The sections add up to ${total} seconds; at most ${MAX_SECONDS}`,
      });
    }
  });
export type ScriptStructure = z.output<typeof scriptStructureSchema>;

export const ASPECT_RATIOS = ['16:9', '9:16', '1:1', '4:5', '4:3', '21:9'] as const;
export const TRANSITION_TYPES = [
  'cut',
  'fade',
  'crossfade',
  'dissolve',
  'slide',
  'wipe',
  'zoom',
] as const;

/** Even pixel counts: H.264 with 4:2:0 chroma needs them. */
const dimension = (max: number) =>
  z.number().int().min(16).max(max).multipleOf(2, 'Must be an even number of pixels');

/** The rendered video: aspect ratio, resolution matching it, frame rate and transitions. */
export const videoStructureSchema = z
  .strictObject({
    aspectRatio: z.enum(ASPECT_RATIOS),
    resolution: z.strictObject({ width: dimension(7680), height: dimension(7680) }),
    /** Frames per second; fractional NTSC rates (23.976, 29.97) allowed. */
    fps: z.number().min(1).max(120),
    transitions: z.strictObject({
      type: z.enum(TRANSITION_TYPES),
      durationSeconds: z.number().min(0).max(5),
    }),
  })
  .superRefine((value, ctx) => {
    const [w, h] = value.aspectRatio.split(':').map(Number) as [number, number];
    const { width, height } = value.resolution;
    // 1% tolerance: 854x480 is accepted as 16:9.
    if (Math.abs(width / height - w / h) > (w / h) * 0.01) {
      ctx.addIssue({
        code: 'custom',
        path: ['resolution'],
        message: `${width}x${height} is not ${value.aspectRatio}`,
      });
    }
  });
export type VideoStructure = z.output<typeof videoStructureSchema>;

export const LLM_STEP_KINDS = [
  'research',
  'outline',
  'script',
  'refine',
  'scene-breakdown',
  'image-prompts',
  'titles',
  'review',
] as const;

const temperature = z.number().min(0).max(2);
const modelName = label(100);

/** The language-model pipeline that writes the script: provider, model and its steps in order. */
export const llmPipelineSchema = z
  .strictObject({
    provider: z
      .string()
      .trim()
      .max(50)
      .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'A provider id such as "openai", "anthropic" or "ollama"'),
    model: modelName,
    temperature,
    maxTokens: z.number().int().min(1).max(1_000_000).optional(),
    steps: z
      .array(
        z.strictObject({
          name: label(100),
          kind: z.enum(LLM_STEP_KINDS),
          prompt: z.string().trim().max(20_000).optional(),
          /** Per-step overrides of the pipeline's model and temperature. */
          model: modelName.optional(),
          temperature: temperature.optional(),
        }),
      )
      .min(1, 'At least one step')
      .max(20),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.steps.forEach((step, index) => {
      const key = step.name.toLowerCase();
      if (seen.has(key)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'name'],
          message: `Duplicate step name "${step.name}"`,
        });
      }
      seen.add(key);
    });
  });
export type LlmPipeline = z.output<typeof llmPipelineSchema>;

const hexColor = z
  .string()
  .max(7)
  .regex(/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i, 'A hex color such as #1a2b3c');
const fontName = label(100);

/** The look: a style name, a color palette and fonts. */
export const visualPreferencesSchema = z.strictObject({
  style: label(100),
  palette: z.array(hexColor).min(1, 'At least one color').max(16),
  fonts: z.strictObject({
    heading: fontName,
    body: fontName,
    captions: fontName.optional(),
  }),
});
export type VisualPreferences = z.output<typeof visualPreferencesSchema>;

/** The section schemas by API name, with the column each is stored in. */
export const CUSTOM_TEMPLATE_SECTIONS = {
  scriptStructure: { schema: scriptStructureSchema, column: 'scriptStructureJson' },
  videoStructure: { schema: videoStructureSchema, column: 'videoStructureJson' },
  llmPipeline: { schema: llmPipelineSchema, column: 'llmPipelineJson' },
  visualPreferences: { schema: visualPreferencesSchema, column: 'visualPreferencesJson' },
} as const;
export type CustomTemplateSection = keyof typeof CUSTOM_TEMPLATE_SECTIONS;

/* ----- procedure inputs ----- */

export const CUSTOM_TEMPLATE_LIST_DEFAULT_LIMIT = 20;
export const CUSTOM_TEMPLATE_LIST_MAX_LIMIT = 100;

const fields = {
  name: customTemplateSchema.shape.name.trim().min(1, 'Name is required').max(NAME_MAX),
  description: customTemplateSchema.shape.description.max(DESCRIPTION_MAX).trim(),
  category: customTemplateSchema.shape.category
    .trim()
    .min(1, 'Category is required')
    .max(LABEL_MAX),
  tags: tagListSchema,
  author: customTemplateSchema.shape.author.trim().min(1).max(NAME_MAX),
  isDefault: customTemplateSchema.shape.isDefault,
  scriptStructure: scriptStructureSchema.nullable(),
  videoStructure: videoStructureSchema.nullable(),
  llmPipeline: llmPipelineSchema.nullable(),
  visualPreferences: visualPreferencesSchema.nullable(),
};

/** `{ id, rowVersion }` of a custom template. */
export const customTemplateKeyInput = versionedKey('Custom template');
export type CustomTemplateKey = z.output<typeof customTemplateKeyInput>;

/** Author defaults to the caller's display name; sections may be left out (null). */
export const customTemplateCreateInput = z.object({
  name: fields.name,
  description: fields.description.default(''),
  category: fields.category,
  tags: fields.tags.default([]),
  author: fields.author.optional(),
  isDefault: fields.isDefault.default(false),
  scriptStructure: fields.scriptStructure.optional(),
  videoStructure: fields.videoStructure.optional(),
  llmPipeline: fields.llmPipeline.optional(),
  visualPreferences: fields.visualPreferences.optional(),
});
export type CustomTemplateCreateInput = z.output<typeof customTemplateCreateInput>;

/** Only the given fields change; a section set to null is cleared. */
export const customTemplateUpdateInput = customTemplateKeyInput.extend({
  name: fields.name.optional(),
  description: fields.description.optional(),
  category: fields.category.optional(),
  tags: fields.tags.optional(),
  author: fields.author.optional(),
  isDefault: fields.isDefault.optional(),
  scriptStructure: fields.scriptStructure.optional(),
  videoStructure: fields.videoStructure.optional(),
  llmPipeline: fields.llmPipeline.optional(),
  visualPreferences: fields.visualPreferences.optional(),
});
export type CustomTemplateUpdateInput = z.output<typeof customTemplateUpdateInput>;

export const customTemplateIdInput = customTemplateKeyInput.pick({ id: true });

const limitField = z
  .number()
  .int()
  .min(1)
  .max(CUSTOM_TEMPLATE_LIST_MAX_LIMIT)
  .default(CUSTOM_TEMPLATE_LIST_DEFAULT_LIMIT);

/** Live custom templates, newest first; optionally one category. */
export const customTemplateListInput = z
  .object({
    limit: limitField,
    cursor: pageCursor,
    category: fields.category.optional(),
  })
  .prefault({});
export type CustomTemplateListInput = z.input<typeof customTemplateListInput>;
export type CustomTemplateListQuery = z.output<typeof customTemplateListInput>;

/** The trash: soft-deleted custom templates, most recently deleted first. */
export const customTemplateTrashInput = z
  .object({ limit: limitField, cursor: pageCursor })
  .prefault({});
export type CustomTemplateTrashQuery = z.output<typeof customTemplateTrashInput>;

/** customTemplates.createProject: a new project whose specs start from a live custom template. */
export const customTemplateCreateProjectInput = z.object({
  customTemplateId: uuidField('Custom template id'),
  title: projectStateInsertSchema.shape.title.max(NAME_MAX),
  description: projectStateSchema.shape.description.unwrap().max(DESCRIPTION_MAX).trim().nullish(),
});
export type CustomTemplateCreateProjectInput = z.output<typeof customTemplateCreateProjectInput>;
