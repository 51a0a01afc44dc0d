import {
  customTemplates,
  findAnyById,
  getById,
  insertAudited,
  newId,
  notDeleted,
  onlyDeleted,
  restoreDeleted,
  softDelete,
  stampUpdate,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
  type CustomTemplate,
} from '@aura/db';
import { and, desc, eq, ne, sql, type SQL } from 'drizzle-orm';
import { recordAction, type ActionTracker } from '../actions/recorder';
import type { Principal } from '../auth/service';
import { splitTags } from '../templates/schema';
import {
  CUSTOM_TEMPLATE_SECTIONS,
  encodeCustomTemplateCursor,
  type CustomTemplateCreateInput,
  type CustomTemplateKey,
  type CustomTemplateListQuery,
  type CustomTemplateSection,
  type CustomTemplateTrashQuery,
  type CustomTemplateUpdateInput,
  type LlmPipeline,
  type ScriptStructure,
  type VideoStructure,
  type VisualPreferences,
} from './schema';

type SectionColumn = (typeof CUSTOM_TEMPLATE_SECTIONS)[CustomTemplateSection]['column'];

/** A custom template as the API returns it: tags as a list, the JSON sections parsed. */
export type CustomTemplateView = Omit<CustomTemplate, 'tags' | SectionColumn> & {
  tags: string[];
  scriptStructure: ScriptStructure | null;
  videoStructure: VideoStructure | null;
  llmPipeline: LlmPipeline | null;
  visualPreferences: VisualPreferences | null;
  /**
   * Sections whose stored JSON does not pass today's schema (written by an older version or
   * another tool): returned as null here, left untouched in the database.
   */
  invalidSections: CustomTemplateSection[];
};

const SECTION_NAMES = Object.keys(CUSTOM_TEMPLATE_SECTIONS) as CustomTemplateSection[];

/** Row → API view. */
export function toCustomTemplateView(row: CustomTemplate): CustomTemplateView {
  const {
    scriptStructureJson,
    videoStructureJson,
    llmPipelineJson,
    visualPreferencesJson,
    tags,
    ...rest
  } = row;
  const stored: Record<SectionColumn, string | null> = {
    scriptStructureJson,
    videoStructureJson,
    llmPipelineJson,
    visualPreferencesJson,
  };
  const invalidSections: CustomTemplateSection[] = [];
  const parsed: Partial<Record<CustomTemplateSection, unknown>> = {};
  for (const name of SECTION_NAMES) {
    const { schema, column } = CUSTOM_TEMPLATE_SECTIONS[name];
    const text = stored[column];
    parsed[name] = null;
    if (text === null) continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const result = schema.safeParse(value);
    if (result.success) parsed[name] = result.data;
    else invalidSections.push(name);
  }
  return {
    ...rest,
    tags: splitTags(tags),
    scriptStructure: parsed.scriptStructure as ScriptStructure | null,
    videoStructure: parsed.videoStructure as VideoStructure | null,
    llmPipeline: parsed.llmPipeline as LlmPipeline | null,
    visualPreferences: parsed.visualPreferences as VisualPreferences | null,
    invalidSections,
  };
}

type SectionValues = Partial<Record<CustomTemplateSection, unknown>>;

/** The sections present in `input` as column values (null clears, absent leaves alone). */
function sectionColumns(input: SectionValues): Partial<Record<SectionColumn, string | null>> {
  const columns: Partial<Record<SectionColumn, string | null>> = {};
  for (const name of SECTION_NAMES) {
    const value = input[name];
    if (value === undefined) continue;
    columns[CUSTOM_TEMPLATE_SECTIONS[name].column] = value === null ? null : JSON.stringify(value);
  }
  return columns;
}

/**
 * One default per category: clears IsDefault on every other live template of the category
 * (each such row gets a new RowVersion, so a stale edit of it conflicts).
 */
function clearOtherDefaults(
  tx: AuraDb,
  category: string,
  keepId: string,
  actor: Actor,
  tracker: ActionTracker,
): void {
  const others = and(
    eq(customTemplates.category, category),
    eq(customTemplates.isDefault, true),
    notDeleted(customTemplates),
    ne(customTemplates.id, keepId),
  );
  tracker.trackWhere('CustomTemplates', others);
  tx.update(customTemplates)
    .set({
      ...stampUpdate(customTemplates, { isDefault: false }, actor),
      rowVersion: sql`${customTemplates.rowVersion} + 1`,
    })
    .where(others)
    .run();
}

/** Creates a custom template; author defaults to the caller's display name. */
export function createCustomTemplate(
  db: AuraDb,
  principal: Pick<Principal, 'userId' | 'displayName'>,
  input: CustomTemplateCreateInput,
): CustomTemplateView {
  const id = newId();
  return writeTransaction(db, (tx) =>
    recordAction(
      tx,
      principal.userId,
      { type: 'customTemplates.create', description: `Created custom template "${input.name}"` },
      (tracker) => {
        tracker.track('CustomTemplates', [id]);
        // Clear first: UX_CustomTemplates_Category_Default allows one live default per category.
        if (input.isDefault) clearOtherDefaults(tx, input.category, id, principal.userId, tracker);
        const row = insertAudited(
          tx,
          customTemplates,
          {
            id,
            name: input.name,
            description: input.description,
            category: input.category,
            tags: input.tags.join(','),
            author: input.author ?? principal.displayName,
            isDefault: input.isDefault,
            ...sectionColumns(input),
          },
          principal.userId,
        );
        return toCustomTemplateView(row);
      },
    ),
  );
}

/** One live custom template (a soft-deleted one is NOT_FOUND). */
export function getCustomTemplate(db: AuraDb, id: string): CustomTemplateView {
  return toCustomTemplateView(getById(db, customTemplates, id));
}

/** Updates the given fields if RowVersion still matches; keeps one default per category. */
export function updateCustomTemplate(
  db: AuraDb,
  actor: Actor,
  input: CustomTemplateUpdateInput,
): CustomTemplateView {
  const { id, rowVersion, tags, ...rest } = input;
  const patch: Partial<typeof customTemplates.$inferInsert> = {
    ...(rest.name !== undefined && { name: rest.name }),
    ...(rest.description !== undefined && { description: rest.description }),
    ...(rest.category !== undefined && { category: rest.category }),
    ...(rest.author !== undefined && { author: rest.author }),
    ...(rest.isDefault !== undefined && { isDefault: rest.isDefault }),
    ...(tags !== undefined && { tags: tags.join(',') }),
    ...sectionColumns(rest),
  };
  return writeTransaction(db, (tx) =>
    recordAction(
      tx,
      actor,
      (view: CustomTemplateView) => ({
        type: 'customTemplates.update',
        description: `Edited custom template "${view.name}"`,
      }),
      (tracker) => {
        tracker.track('CustomTemplates', [id]);
        // Clear first (the unique index allows one default); a conflict below rolls it back.
        const current = getById(tx, customTemplates, id);
        if (patch.isDefault ?? current.isDefault)
          clearOtherDefaults(tx, patch.category ?? current.category, id, actor, tracker);
        const row = versionedUpdate(tx, customTemplates, { id, rowVersion }, patch, actor);
        return toCustomTemplateView(row);
      },
    ),
  );
}

/** Moves a custom template to the trash. */
export function softDeleteCustomTemplate(
  db: AuraDb,
  actor: Actor,
  key: CustomTemplateKey,
): CustomTemplateView {
  return writeTransaction(db, (tx) =>
    recordAction(
      tx,
      actor,
      (view: CustomTemplateView) => ({
        type: 'customTemplates.softDelete',
        description: `Moved custom template "${view.name}" to the trash`,
      }),
      (tracker) => {
        tracker.track('CustomTemplates', [key.id]);
        return toCustomTemplateView(softDelete(tx, customTemplates, key, actor));
      },
    ),
  );
}

/**
 * Restores a custom template from the trash. If it was its category's default and another live
 * template has become the default meanwhile, the current default stays and the restored one
 * comes back as not default (the RowVersion then advances by two: restore, then the flag).
 */
export function restoreCustomTemplate(
  db: AuraDb,
  actor: Actor,
  key: CustomTemplateKey,
): CustomTemplateView {
  return writeTransaction(db, (tx) =>
    recordAction(
      tx,
      actor,
      (view: CustomTemplateView) => ({
        type: 'customTemplates.restore',
        description: `Restored custom template "${view.name}" from the trash`,
      }),
      (tracker) => {
        tracker.track('CustomTemplates', [key.id]);
        const trashed = findAnyById(tx, customTemplates, key.id);
        let rowVersion = key.rowVersion;
        if (trashed?.isDeleted && trashed.isDefault && trashed.rowVersion === key.rowVersion) {
          const otherDefault = tx
            .select({ id: customTemplates.id })
            .from(customTemplates)
            .where(
              and(
                eq(customTemplates.category, trashed.category),
                eq(customTemplates.isDefault, true),
                notDeleted(customTemplates),
                ne(customTemplates.id, trashed.id),
              ),
            )
            .get();
          // Another template became the default meanwhile: this one comes back as not default
          // (flag dropped first, since the unique index allows one live default).
          if (otherDefault) {
            rowVersion = versionedUpdate(
              tx,
              customTemplates,
              { id: key.id, rowVersion },
              { isDefault: false },
              actor,
              { includeDeleted: true },
            ).rowVersion;
          }
        }
        return toCustomTemplateView(
          restoreDeleted(tx, customTemplates, { id: key.id, rowVersion }, actor),
        );
      },
    ),
  );
}

/** The columns of list pages (the JSON sections stay out of lists). */
export const customTemplateListColumns = {
  id: customTemplates.id,
  name: customTemplates.name,
  description: customTemplates.description,
  category: customTemplates.category,
  tags: customTemplates.tags,
  author: customTemplates.author,
  isDefault: customTemplates.isDefault,
  createdAt: customTemplates.createdAt,
  updatedAt: customTemplates.updatedAt,
  createdBy: customTemplates.createdBy,
  deletedAt: customTemplates.deletedAt,
  deletedBy: customTemplates.deletedBy,
  rowVersion: customTemplates.rowVersion,
};

/** Live list query, newest first (CreatedAt desc, Id desc). Exposed for EXPLAIN QUERY PLAN tests. */
export function buildCustomTemplateListQuery(db: AuraDb, query: CustomTemplateListQuery) {
  const conditions: SQL[] = [notDeleted(customTemplates)];
  if (query.category !== undefined) conditions.push(eq(customTemplates.category, query.category));
  if (query.cursor) {
    const { key, id } = query.cursor;
    conditions.push(
      sql`${customTemplates.createdAt} <= ${key} AND (${customTemplates.createdAt} < ${key} OR ${customTemplates.id} < ${id})`,
    );
  }
  return db
    .select(customTemplateListColumns)
    .from(customTemplates)
    .where(and(...conditions))
    .orderBy(desc(customTemplates.createdAt), desc(customTemplates.id))
    .limit(query.limit + 1);
}

/** Trash query, most recently deleted first (DeletedAt desc, Id desc). */
export function buildCustomTemplateTrashQuery(db: AuraDb, query: CustomTemplateTrashQuery) {
  const conditions: SQL[] = [onlyDeleted(customTemplates)];
  if (query.cursor) {
    const { key, id } = query.cursor;
    conditions.push(
      sql`${customTemplates.deletedAt} <= ${key} AND (${customTemplates.deletedAt} < ${key} OR ${customTemplates.id} < ${id})`,
    );
  }
  return db
    .select(customTemplateListColumns)
    .from(customTemplates)
    .where(and(...conditions))
    .orderBy(desc(customTemplates.deletedAt), desc(customTemplates.id))
    .limit(query.limit + 1);
}

type CustomTemplateListRow = Awaited<
  ReturnType<ReturnType<typeof buildCustomTemplateListQuery>['all']>
>[number];
export type CustomTemplateListItem = Omit<CustomTemplateListRow, 'tags'> & { tags: string[] };

export interface CustomTemplateListPage {
  items: CustomTemplateListItem[];
  nextCursor: string | null;
}

function toPage(
  rows: CustomTemplateListRow[],
  limit: number,
  list: 'live' | 'trash',
): CustomTemplateListPage {
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map((row) => ({ ...row, tags: splitTags(row.tags) })),
    nextCursor:
      hasMore && last
        ? encodeCustomTemplateCursor({
            list,
            key: (list === 'live' ? last.createdAt : last.deletedAt) ?? '',
            id: last.id,
          })
        : null,
  };
}

/** One page of live custom templates, newest first. Takes the parsed input. */
export function listCustomTemplates(
  db: AuraDb,
  query: CustomTemplateListQuery,
): CustomTemplateListPage {
  return toPage(buildCustomTemplateListQuery(db, query).all(), query.limit, 'live');
}

/** One page of the trash, most recently deleted first. */
export function listCustomTemplateTrash(
  db: AuraDb,
  query: CustomTemplateTrashQuery,
): CustomTemplateListPage {
  return toPage(buildCustomTemplateTrashQuery(db, query).all(), query.limit, 'trash');
}
