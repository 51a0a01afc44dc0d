import {
  PreconditionError,
  auditedSet,
  getById,
  insertAudited,
  newId,
  nowIso,
  projectStates,
  stampInsert,
  templateRatings,
  templates,
  writeTransaction,
  type Actor,
  type AuraDb,
  type ProjectState,
  type Template,
  preparedPerShape,
  prepareSelect,
} from '@aura/db';
import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import { undoableWrite } from '../actions/recorder';
import { keyset, type Page } from '../paging';
import {
  splitTags,
  templateDataSchema,
  type TemplateCreateProjectInput,
  type TemplateData,
  type TemplateListQuery,
  type TemplateRateInput,
} from './schema';

/** The columns the template list shows (TemplateData stays out of lists). */
export const templateListColumns = {
  id: templates.id,
  name: templates.name,
  description: templates.description,
  category: templates.category,
  subCategory: templates.subCategory,
  previewImage: templates.previewImage,
  previewVideo: templates.previewVideo,
  tags: templates.tags,
  author: templates.author,
  isSystemTemplate: templates.isSystemTemplate,
  isCommunityTemplate: templates.isCommunityTemplate,
  usageCount: templates.usageCount,
  rating: templates.rating,
  ratingCount: templates.ratingCount,
  createdAt: templates.createdAt,
  updatedAt: templates.updatedAt,
  rowVersion: templates.rowVersion,
};

/** Escapes LIKE wildcards so `text` is matched literally (with ESCAPE '\'). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Category, Name, Id: the leading Category range lets the Category index seek. */
const templateOrder = keyset<{ category: string; name: string; id: string }>('templates', [
  { column: templates.category, direction: 'asc', of: (row) => row.category },
  { column: templates.name, direction: 'asc', of: (row) => row.name },
  { column: templates.id, direction: 'asc', of: (row) => row.id },
]);

/**
 * The list query (limit + 1 rows, to know whether another page follows), ordered by Category,
 * Name, Id, for `query`'s shape: its values bound (`prepared`: false) or as placeholders (see
 * templateListParams).
 */
function templateListSelect(db: AuraDb, query: TemplateListQuery, prepared: boolean) {
  const value = <T>(name: string, v: T) => (prepared ? sql.placeholder(name) : v);
  const conditions: (SQL | undefined)[] = [];
  if (query.category !== undefined)
    conditions.push(eq(templates.category, value('category', query.category)));
  if (query.subCategory !== undefined)
    conditions.push(eq(templates.subCategory, value('subCategory', query.subCategory)));
  // Booleans are bound as 1/0 (a placeholder's value skips the column's mapping).
  if (query.isSystem !== undefined)
    conditions.push(
      eq(templates.isSystemTemplate, prepared ? sql.placeholder('isSystem') : query.isSystem),
    );
  if (query.isCommunity !== undefined)
    conditions.push(
      eq(
        templates.isCommunityTemplate,
        prepared ? sql.placeholder('isCommunity') : query.isCommunity,
      ),
    );
  if (query.tags?.length) {
    // Whole tags of the comma-separated column: ',a,b,' LIKE '%,b,%' (case-insensitive).
    conditions.push(
      or(
        ...query.tags.map(
          (tag, i) =>
            sql`(',' || ${templates.tags} || ',') LIKE ${value(`tag${i}`, tagPattern(tag))} ESCAPE '\\'`,
        ),
      ),
    );
  }
  if (query.search) {
    const pattern = value('pattern', searchPattern(query.search));
    conditions.push(
      or(
        sql`${templates.name} LIKE ${pattern} ESCAPE '\\'`,
        sql`${templates.description} LIKE ${pattern} ESCAPE '\\'`,
      ),
    );
  }
  const after =
    prepared && query.cursor
      ? templateOrder.afterPlaceholders()
      : templateOrder.after(query.cursor);
  return db
    .select(templateListColumns)
    .from(templates)
    .where(and(...conditions, after))
    .orderBy(...templateOrder.orderBy)
    .limit(value('limit', query.limit + 1));
}

const tagPattern = (tag: string) => `%,${escapeLike(tag)},%`;
const searchPattern = (search: string) => `%${escapeLike(search)}%`;

/** The placeholder values of the prepared list query of `query`'s shape. */
function templateListParams(query: TemplateListQuery): Record<string, unknown> {
  const params: Record<string, unknown> = {
    category: query.category,
    subCategory: query.subCategory,
    isSystem: query.isSystem === undefined ? undefined : Number(query.isSystem),
    isCommunity: query.isCommunity === undefined ? undefined : Number(query.isCommunity),
    pattern: query.search ? searchPattern(query.search) : undefined,
    limit: query.limit + 1,
    ...(query.cursor ? templateOrder.cursorParams(query.cursor) : {}),
  };
  for (const [i, tag] of (query.tags ?? []).entries()) params[`tag${i}`] = tagPattern(tag);
  return params;
}

/** The list query with its values bound. Exposed for the EXPLAIN QUERY PLAN tests. */
export function buildTemplateListQuery(db: AuraDb, query: TemplateListQuery) {
  return templateListSelect(db, query, false);
}

/** The list query of each shape (filters present, number of tags, cursor or not) prepared once. */
const preparedTemplateList = preparedPerShape(
  (query: TemplateListQuery) =>
    [
      query.category !== undefined ? 'c' : '',
      query.subCategory !== undefined ? 's' : '',
      query.isSystem !== undefined ? 'y' : '',
      query.isCommunity !== undefined ? 'm' : '',
      query.search ? 'q' : '',
      query.cursor ? 'a' : '',
      query.tags?.length ?? 0,
    ].join(''),
  (db, query) => prepareSelect(templateListSelect(db, query, true)),
);

type TemplateListRow = Awaited<
  ReturnType<ReturnType<typeof buildTemplateListQuery>['all']>
>[number];
export type TemplateListItem = Omit<TemplateListRow, 'tags'> & { tags: string[] };

export type TemplateListPage = Page<TemplateListItem>;

/** One page of templates (system and community), filtered. Takes the parsed input. */
export function listTemplates(db: AuraDb, query: TemplateListQuery): TemplateListPage {
  const rows = preparedTemplateList(db, query).all(templateListParams(query));
  const page = templateOrder.page(rows, query.limit);
  return {
    items: page.items.map((row) => ({ ...row, tags: splitTags(row.tags) })),
    nextCursor: page.nextCursor,
  };
}

/** Parses a template's TemplateData; a malformed one is reported, never half-used. */
export function parseTemplateData(template: Pick<Template, 'id' | 'templateData'>): TemplateData {
  let raw: unknown;
  try {
    raw = JSON.parse(template.templateData);
  } catch {
    raw = undefined;
  }
  const parsed = templateDataSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'root';
    throw new PreconditionError(
      `Template ${template.id} has malformed TemplateData (at ${where}); it cannot be used`,
    );
  }
  return parsed.data;
}

export type TemplateDetail = Omit<Template, 'tags' | 'templateData'> & {
  tags: string[];
  templateData: TemplateData;
  /** The caller's own rating (1..5), or null if they have not rated it. */
  myRating: number | null;
};

function ratingOf(db: AuraDb, templateId: string, userId: Actor): number | null {
  if (!userId) return null;
  const row = db
    .select({ rating: templateRatings.rating })
    .from(templateRatings)
    .where(and(eq(templateRatings.templateId, templateId), eq(templateRatings.userId, userId)))
    .get();
  return row?.rating ?? null;
}

/** One template with its parsed TemplateData and the caller's rating. */
export function getTemplate(db: AuraDb, actor: Actor, id: string): TemplateDetail {
  const row = getById(db, templates, id);
  return {
    ...row,
    tags: splitTags(row.tags),
    templateData: parseTemplateData(row),
    myRating: ratingOf(db, id, actor),
  };
}

const specJson = (section: Record<string, unknown> | undefined) =>
  section === undefined ? null : JSON.stringify(section);

/**
 * A new project from a template: TemplateData's brief/plan/voice/render become the project's
 * BriefJson/PlanSpecJson/VoiceSpecJson/RenderSpecJson, and the template's UsageCount goes up by
 * one in SQL (no lost update when two users do this at once), all in one transaction.
 */
export function createProjectFromTemplate(
  db: AuraDb,
  actor: Actor,
  input: TemplateCreateProjectInput,
): ProjectState {
  const id = newId();
  return undoableWrite(
    db,
    actor,
    { type: 'projects.create', description: `Created project "${input.title}" from a template` },
    (tx, tracker) => {
      // The project is undoable like any other new project; the usage count stays counted.
      tracker.track('ProjectStates', [id]);
      const template = getById(tx, templates, input.templateId);
      const data = parseTemplateData(template);
      const project = insertAudited(
        tx,
        projectStates,
        {
          id,
          title: input.title,
          description: input.description ?? null,
          briefJson: specJson(data.brief),
          planSpecJson: specJson(data.plan),
          voiceSpecJson: specJson(data.voice),
          renderSpecJson: specJson(data.render),
        },
        actor,
      );
      // A counter, not an edit of the template: RowVersion and UpdatedAt stay as they are.
      tx.update(templates)
        .set({ usageCount: sql`${templates.usageCount} + 1` })
        .where(eq(templates.id, template.id))
        .run();
      return project;
    },
  );
}

export interface TemplateRatingResult {
  templateId: string;
  /** The average of all ratings of the template (0 when none). */
  rating: number;
  ratingCount: number;
  /** The caller's rating, as just saved. */
  myRating: number;
}

/**
 * Rates a template 1..5: one rating per user and template (rating again changes it). Rating and
 * RatingCount are recomputed from TemplateRatings in the same transaction, so they are exact.
 */
export function rateTemplate(
  db: AuraDb,
  actor: string,
  input: TemplateRateInput,
): TemplateRatingResult {
  return writeTransaction(db, (tx) => {
    const template = getById(tx, templates, input.templateId);
    const now = nowIso();
    tx.insert(templateRatings)
      .values(
        stampInsert(
          templateRatings,
          { templateId: template.id, userId: actor, rating: input.rating },
          actor,
          now,
        ),
      )
      .onConflictDoUpdate({
        target: [templateRatings.templateId, templateRatings.userId],
        set: auditedSet(templateRatings, { rating: input.rating }, actor, now),
      })
      .run();
    // Aggregates, not edits: recomputed exactly from the ratings, RowVersion untouched.
    const totals = tx
      .update(templates)
      .set({
        rating: sql`coalesce((SELECT avg(r."Rating") FROM "TemplateRatings" r WHERE r."TemplateId" = ${template.id}), 0)`,
        ratingCount: sql`(SELECT count(*) FROM "TemplateRatings" r WHERE r."TemplateId" = ${template.id})`,
      })
      .where(eq(templates.id, template.id))
      .returning({ rating: templates.rating, ratingCount: templates.ratingCount })
      .all()
      .at(0);
    if (!totals) throw new Error(`Template ${template.id} vanished inside its own transaction`);
    return { templateId: template.id, ...totals, myRating: input.rating };
  });
}
