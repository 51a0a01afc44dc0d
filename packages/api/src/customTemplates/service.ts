import {
  ConflictError,
  NotFoundError,
  StateError,
  auditedUpdateWhere,
  customTemplates,
  PreconditionError,
  projectStates,
  type ProjectState,
  findAnyById,
  getById,
  hardDelete,
  insertAudited,
  newId,
  notDeleted,
  onlyDeleted,
  restoreDeleted,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
  type CustomTemplate,
} from '@aura/db';
import { and, eq, ne, type SQL } from 'drizzle-orm';
import { undoableTrashMove, undoableWrite, type ActionTracker } from '../actions/recorder';
import { keyset, type Keyset, type Page } from '../paging';
import type { Principal } from '../auth/service';
import { splitTags } from '../templates/schema';
import {
  CUSTOM_TEMPLATE_SECTIONS,
  type CustomTemplateCreateInput,
  type CustomTemplateCreateProjectInput,
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
  auditedUpdateWhere(tx, customTemplates, others, { isDefault: false }, actor);
}

/** Creates a custom template; author defaults to the caller's display name. */
export function createCustomTemplate(
  db: AuraDb,
  principal: Pick<Principal, 'userId' | 'displayName'>,
  input: CustomTemplateCreateInput,
): CustomTemplateView {
  const id = newId();
  return undoableWrite(
    db,
    principal.userId,
    { type: 'customTemplates.create', description: `Created custom template "${input.name}"` },
    (tx, tracker) => {
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
  return undoableWrite(
    db,
    actor,
    (view: CustomTemplateView) => ({
      type: 'customTemplates.update',
      description: `Edited custom template "${view.name}"`,
    }),
    (tx, tracker) => {
      tracker.track('CustomTemplates', [id]);
      // Clear first (the unique index allows one default); a conflict below rolls it back.
      const current = getById(tx, customTemplates, id);
      if (patch.isDefault ?? current.isDefault)
        clearOtherDefaults(tx, patch.category ?? current.category, id, actor, tracker);
      const row = versionedUpdate(tx, customTemplates, { id, rowVersion }, patch, actor);
      return toCustomTemplateView(row);
    },
  );
}

/** Moves a custom template to the trash. */
export function softDeleteCustomTemplate(
  db: AuraDb,
  actor: Actor,
  key: CustomTemplateKey,
): CustomTemplateView {
  return undoableTrashMove<typeof customTemplates, CustomTemplateView>(db, actor, {
    table: 'CustomTemplates',
    direction: 'trash',
    key,
    type: 'customTemplates.softDelete',
    describe: (view) => `custom template "${view.name}"`,
    view: toCustomTemplateView,
  });
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
  return undoableWrite(
    db,
    actor,
    (view: CustomTemplateView) => ({
      type: 'customTemplates.restore',
      description: `Restored custom template "${view.name}" from the trash`,
    }),
    (tx, tracker) => {
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
  );
}

/**
 * Removes a custom template in the trash for good (admin only at the API). A live one must go to
 * the trash first, and the RowVersion must be the one the caller saw: a purge is forever, so it
 * never acts on a row that was restored or edited meanwhile. Not in the undo log; an earlier
 * action on the template then cannot be undone (its row is gone, so undo answers CONFLICT).
 */
export function purgeCustomTemplate(db: AuraDb, key: CustomTemplateKey): CustomTemplateView {
  return writeTransaction(db, (tx) => {
    const row = findAnyById(tx, customTemplates, key.id);
    if (!row) throw new NotFoundError('CustomTemplates', key.id);
    if (row.rowVersion !== key.rowVersion)
      throw new ConflictError('CustomTemplates', key.id, key.rowVersion, row.rowVersion);
    if (!row.isDeleted)
      throw new StateError('Only a custom template in the trash can be purged; delete it first');
    return toCustomTemplateView(hardDelete(tx, customTemplates, key.id));
  });
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

interface OrderRow {
  id: string;
  createdAt: string;
  deletedAt: string | null;
}

/** Live templates newest first (CreatedAt desc, Id desc). */
const liveOrder: Keyset<OrderRow> = keyset('customTemplates:live', [
  { column: customTemplates.createdAt, direction: 'desc', of: (row) => row.createdAt },
  { column: customTemplates.id, direction: 'desc', of: (row) => row.id },
]);

/** The trash most recently deleted first (a trashed row always has its DeletedAt). */
const trashOrder: Keyset<OrderRow> = keyset('customTemplates:trash', [
  { column: customTemplates.deletedAt, direction: 'desc', of: (row) => row.deletedAt ?? '' },
  { column: customTemplates.id, direction: 'desc', of: (row) => row.id },
]);

/** Live list query, newest first (CreatedAt desc, Id desc). Exposed for EXPLAIN QUERY PLAN tests. */
export function buildCustomTemplateListQuery(db: AuraDb, query: CustomTemplateListQuery) {
  const conditions: SQL[] = [notDeleted(customTemplates)];
  if (query.category !== undefined) conditions.push(eq(customTemplates.category, query.category));
  return db
    .select(customTemplateListColumns)
    .from(customTemplates)
    .where(and(...conditions, liveOrder.after(query.cursor)))
    .orderBy(...liveOrder.orderBy)
    .limit(query.limit + 1);
}

/** Trash query, most recently deleted first (DeletedAt desc, Id desc). */
export function buildCustomTemplateTrashQuery(db: AuraDb, query: CustomTemplateTrashQuery) {
  return db
    .select(customTemplateListColumns)
    .from(customTemplates)
    .where(and(onlyDeleted(customTemplates), trashOrder.after(query.cursor)))
    .orderBy(...trashOrder.orderBy)
    .limit(query.limit + 1);
}

type CustomTemplateListRow = Awaited<
  ReturnType<ReturnType<typeof buildCustomTemplateListQuery>['all']>
>[number];
export type CustomTemplateListItem = Omit<CustomTemplateListRow, 'tags'> & { tags: string[] };

export type CustomTemplateListPage = Page<CustomTemplateListItem>;

/** A page cut by `order`, tags as lists. */
function toListPage(
  order: Keyset<OrderRow>,
  rows: CustomTemplateListRow[],
  limit: number,
): CustomTemplateListPage {
  const page = order.page(rows, limit);
  return {
    items: page.items.map((row) => ({ ...row, tags: splitTags(row.tags) })),
    nextCursor: page.nextCursor,
  };
}

/** One page of live custom templates, newest first. Takes the parsed input. */
export function listCustomTemplates(
  db: AuraDb,
  query: CustomTemplateListQuery,
): CustomTemplateListPage {
  return toListPage(liveOrder, buildCustomTemplateListQuery(db, query).all(), query.limit);
}

/** One page of the trash, most recently deleted first. */
export function listCustomTemplateTrash(
  db: AuraDb,
  query: CustomTemplateTrashQuery,
): CustomTemplateListPage {
  return toListPage(trashOrder, buildCustomTemplateTrashQuery(db, query).all(), query.limit);
}

/** The project specs a custom template starts a project with (a column is null when empty). */
export interface ProjectSpecsFromTemplate {
  briefJson: string | null;
  planSpecJson: string | null;
  voiceSpecJson: string | null;
  renderSpecJson: string | null;
}

const jsonOrNull = (value: Record<string, unknown>) =>
  Object.keys(value).length === 0 ? null : JSON.stringify(value);

/**
 * Maps a custom template's sections onto a project's specs, in the shape the system templates'
 * TemplateData uses: the script structure's tone and target length are the brief, its sections
 * and pacing (with the language-model pipeline that writes them) the plan, the video structure
 * (width, height, fps, aspect ratio, transitions) and the visual preferences the render spec.
 * A custom template says nothing about the voice.
 */
export function projectSpecsOf(view: CustomTemplateView): ProjectSpecsFromTemplate {
  const script = view.scriptStructure;
  const video = view.videoStructure;
  const brief: Record<string, unknown> = {};
  if (script?.tone !== undefined) brief.tone = script.tone;
  if (script?.targetDurationSeconds !== undefined)
    brief.targetDurationSeconds = script.targetDurationSeconds;
  const plan: Record<string, unknown> = {};
  if (script) {
    plan.sections = script.sections;
    if (script.pacing !== undefined) plan.pacing = script.pacing;
  }
  if (view.llmPipeline) plan.llmPipeline = view.llmPipeline;
  const render: Record<string, unknown> = {};
  if (video) {
    render.width = video.resolution.width;
    render.height = video.resolution.height;
    render.fps = video.fps;
    render.aspectRatio = video.aspectRatio;
    render.transitions = video.transitions;
  }
  if (view.visualPreferences) render.visual = view.visualPreferences;
  return {
    briefJson: jsonOrNull(brief),
    planSpecJson: jsonOrNull(plan),
    voiceSpecJson: null,
    renderSpecJson: jsonOrNull(render),
  };
}

/**
 * A new project from a live custom template (see projectSpecsOf), undoable like any new project.
 * A template with a section that fails today's schema is refused rather than half-used.
 */
export function createProjectFromCustomTemplate(
  db: AuraDb,
  actor: Actor,
  input: CustomTemplateCreateProjectInput,
): ProjectState {
  const id = newId();
  return undoableWrite(
    db,
    actor,
    {
      type: 'projects.create',
      description: `Created project "${input.title}" from a custom template`,
    },
    (tx, tracker) => {
      tracker.track('ProjectStates', [id]);
      const view = toCustomTemplateView(getById(tx, customTemplates, input.customTemplateId));
      if (view.invalidSections.length > 0) {
        throw new PreconditionError(
          `Custom template "${view.name}" has sections that no longer pass validation (${view.invalidSections.join(', ')}); edit it before using it`,
        );
      }
      return insertAudited(
        tx,
        projectStates,
        {
          id,
          title: input.title,
          description: input.description ?? null,
          ...projectSpecsOf(view),
        },
        actor,
      );
    },
  );
}
