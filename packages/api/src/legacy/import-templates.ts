import { customTemplates, templates } from '@aura/db';
import { and, eq } from 'drizzle-orm';
import { scriptStructureSchema } from '../customTemplates/schema';
import { NAME_MAX } from '../limits';
import { boolOf, compactJson, efDate, normalizeId, numberOf, parseJson, textOf } from './convert';
import { capText, clampInt, columns, exists, legacyAudit, type Context, type Row } from './context';
import { readLegacyRows } from './detect';

/* System templates and the templates users made. */

const TEMPLATE_COLUMNS = columns(`
  id name description category sub_category preview_image preview_video tags
  template_data created_at updated_at author is_system_template is_community_template
  usage_count rating rating_count
`);

const TEMPLATE_SECTIONS = ['brief', 'plan', 'voice', 'render'];

export function importTemplates(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('templates', 'Templates');
  const notes = report.notes('Templates');
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'templates', TEMPLATE_COLUMNS)) {
    table.read += 1;
    const rawId = textOf(row.id) ?? '(no id)';
    const id = normalizeId(rawId, 'Id', notes);
    if (exists(tx, templates, templates.id, id)) {
      report.skip(table, rawId, 'already imported (a template with this id exists)');
      continue;
    }
    const data = parseJson(textOf(row.template_data) ?? '');
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      report.skip(table, rawId, 'template_data is not a JSON object');
      continue;
    }
    notes.note('TemplateData', 'CRLF and indentation removed (re-serialized JSON)');
    let templateData: unknown = data;
    if (!Object.keys(data).some((k) => TEMPLATE_SECTIONS.includes(k))) {
      templateData = { plan: data };
      notes.note('TemplateData', 'legacy layout (sections, pacing, …) → its plan section');
    }
    const usageCount = ctx.projectsPerTemplate.get(rawId) ?? 0;
    if (usageCount !== clampInt(row.usage_count, 0, Number.MAX_SAFE_INTEGER)) {
      notes.note('UsageCount', 'recomputed from the legacy projects using the template');
    }
    const ratingCount = clampInt(row.rating_count, 0, Number.MAX_SAFE_INTEGER);
    if (ratingCount > 0) {
      notes.note('Rating', 'a rating without per-user ratings cannot be kept exact → 0');
    }
    tx.insert(templates)
      .values({
        id,
        name: capText(textOf(row.name) ?? id, NAME_MAX, 'Name', notes),
        description: textOf(row.description) ?? '',
        category: textOf(row.category) ?? 'General',
        subCategory: textOf(row.sub_category) ?? '',
        previewImage: textOf(row.preview_image) ?? '',
        previewVideo: textOf(row.preview_video) ?? '',
        tags: textOf(row.tags) ?? '',
        templateData: JSON.stringify(templateData),
        author: textOf(row.author) ?? 'System',
        isSystemTemplate: boolOf(row.is_system_template),
        isCommunityTemplate: boolOf(row.is_community_template),
        usageCount,
        rating: 0,
        ratingCount: 0,
        ...legacyAudit(
          notes,
          {
            createdAt: efDate(row.created_at, 'CreatedAt', notes),
            updatedAt: efDate(row.updated_at, 'UpdatedAt', notes),
          },
          {},
          ctx.owner,
          ctx.now,
        ),
      })
      .run();
    table.imported += 1;
  }
}

const CUSTOM_TEMPLATE_COLUMNS = columns(`
  id author category created_at created_by deleted_at deleted_by description is_default
  is_deleted llm_pipeline_json modified_by name script_structure_json tags updated_at
  video_structure_json visual_preferences_json
`);

/** The PascalCase names of the same columns before the table was renamed (migration 8). */
const PASCAL_CUSTOM_TEMPLATE: Record<string, string> = {
  id: 'Id',
  author: 'Author',
  category: 'Category',
  created_at: 'CreatedAt',
  created_by: 'CreatedBy',
  deleted_at: 'DeletedAt',
  deleted_by: 'DeletedByUserId',
  description: 'Description',
  is_default: 'IsDefault',
  is_deleted: 'IsDeleted',
  llm_pipeline_json: 'LLMPipelineJson',
  modified_by: 'ModifiedBy',
  name: 'Name',
  script_structure_json: 'ScriptStructureJson',
  tags: 'Tags',
  updated_at: 'UpdatedAt',
  video_structure_json: 'VideoStructureJson',
  visual_preferences_json: 'VisualPreferencesJson',
};

function customTemplateRows(ctx: Context): { table: string; rows: Row[] } {
  if (ctx.schema.tables.has('custom_templates')) {
    return {
      table: 'custom_templates',
      rows: readLegacyRows(ctx.legacy, ctx.schema, 'custom_templates', CUSTOM_TEMPLATE_COLUMNS),
    };
  }
  const pascal = CUSTOM_TEMPLATE_COLUMNS.map((c) => PASCAL_CUSTOM_TEMPLATE[c] ?? c);
  const rows = readLegacyRows(ctx.legacy, ctx.schema, 'CustomTemplates', pascal).map((r) => {
    const out: Row = {};
    for (const c of CUSTOM_TEMPLATE_COLUMNS) out[c] = r[PASCAL_CUSTOM_TEMPLATE[c] ?? c];
    return out;
  });
  return { table: 'CustomTemplates', rows };
}

/**
 * The legacy ScriptStructure (System.Text.Json: `Sections` with Order, Min/MaxDuration,
 * Description) as ours; the video structure's TypicalDuration and Pacing complete it. Null when
 * it does not map.
 */
function convertScriptStructure(
  scriptText: string | null,
  videoText: string | null,
): string | null {
  const script = parseJson(scriptText ?? '');
  const video = parseJson(videoText ?? '');
  if (!script || typeof script !== 'object' || !('Sections' in script)) return null;
  const sections = script.Sections;
  if (!Array.isArray(sections)) return null;
  const videoObj = video && typeof video === 'object' ? (video as Record<string, unknown>) : {};
  const candidate = {
    sections: sections
      .filter((s): s is Record<string, unknown> => s !== null && typeof s === 'object')
      .sort((a, b) => (numberOf(a.Order) ?? 0) - (numberOf(b.Order) ?? 0))
      .map((s) => ({
        name: textOf(s.Name) ?? '',
        durationSeconds: numberOf(s.MaxDuration) ?? numberOf(s.MinDuration) ?? 0,
        ...(textOf(s.Description) ? { guidance: textOf(s.Description) } : {}),
      })),
    ...(numberOf(videoObj.TypicalDuration)
      ? { targetDurationSeconds: numberOf(videoObj.TypicalDuration) }
      : {}),
    ...(['slow', 'medium', 'fast'].includes(textOf(videoObj.Pacing) ?? '')
      ? { pacing: textOf(videoObj.Pacing) }
      : {}),
  };
  const parsed = scriptStructureSchema.safeParse(candidate);
  return parsed.success ? JSON.stringify(parsed.data) : null;
}

export function importCustomTemplates(ctx: Context): void {
  const { tx, report } = ctx;
  const { table: legacyName, rows } = customTemplateRows(ctx);
  const table = report.table(legacyName, 'CustomTemplates');
  const notes = report.notes('CustomTemplates');
  for (const row of rows) {
    table.read += 1;
    const rawId = textOf(row.id) ?? '(no id)';
    const id = normalizeId(rawId, 'Id', notes);
    if (exists(tx, customTemplates, customTemplates.id, id)) {
      report.skip(table, rawId, 'already imported (a custom template with this id exists)');
      continue;
    }
    const category = textOf(row.category) ?? 'General';
    const isDeleted = boolOf(row.is_deleted);
    let isDefault = boolOf(row.is_default);
    if (isDefault && !isDeleted) {
      const taken = tx
        .select({ id: customTemplates.id })
        .from(customTemplates)
        .where(
          and(
            eq(customTemplates.category, category),
            eq(customTemplates.isDefault, true),
            eq(customTemplates.isDeleted, false),
          ),
        )
        .get();
      if (taken) {
        isDefault = false;
        notes.note('IsDefault', 'the category already has a default here → not default');
      }
    }
    const scriptText = textOf(row.script_structure_json);
    const videoText = textOf(row.video_structure_json);
    let script = convertScriptStructure(scriptText, videoText);
    if (script !== null)
      notes.note('ScriptStructureJson', 'legacy Sections → our script structure');
    else if (scriptText !== null) {
      script = compactJson(scriptText);
      notes.note('ScriptStructureJson', 'kept in its legacy shape (does not map onto ours)');
    }
    const keep = (column: string, text: string | null) => {
      const json = compactJson(text);
      if (json !== null) notes.note(column, 'kept in its legacy shape (no equivalent fields here)');
      return json;
    };
    const deletedBy = isDeleted ? textOf(row.deleted_by) : null;
    if (isDeleted && deletedBy === null) notes.note('DeletedBy', 'null → importing owner');
    const createdAt = efDate(row.created_at, 'CreatedAt', notes);
    let deletedAt = isDeleted ? efDate(row.deleted_at, 'DeletedAt', notes) : null;
    if (isDeleted && deletedAt === null) deletedAt = createdAt ?? ctx.now;
    tx.insert(customTemplates)
      .values({
        id,
        name: capText(textOf(row.name) ?? id, NAME_MAX, 'Name', notes),
        description: textOf(row.description) ?? '',
        category,
        tags: textOf(row.tags) ?? '',
        author: textOf(row.author) ?? 'User',
        isDefault,
        scriptStructureJson: script,
        videoStructureJson: keep('VideoStructureJson', videoText),
        llmPipelineJson: keep('LLMPipelineJson', textOf(row.llm_pipeline_json)),
        visualPreferencesJson: keep('VisualPreferencesJson', textOf(row.visual_preferences_json)),
        isDeleted,
        deletedAt,
        deletedBy: isDeleted ? (deletedBy ?? ctx.owner) : null,
        ...legacyAudit(
          notes,
          { createdAt, updatedAt: efDate(row.updated_at, 'UpdatedAt', notes) },
          { createdBy: row.created_by, modifiedBy: row.modified_by },
          ctx.owner,
          ctx.now,
        ),
      })
      .run();
    table.imported += 1;
  }
}
