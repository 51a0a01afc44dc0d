import {
  NotFoundError,
  StateError,
  findAnyById,
  assetStates,
  getById,
  hardDelete,
  insertAudited,
  newId,
  notDeleted,
  nowIso,
  onlyDeleted,
  projectStates,
  renderCheckpoints,
  sceneStates,
  versionedUpdate,
  writeTransaction,
  type Actor,
  type AuraDb,
  type AssetState,
  type NewProjectState,
  type ProjectState,
  type RenderCheckpoint,
  type SceneState,
  type ProjectStatus,
  notDeletedCheckOnly,
  preparedPerShape,
  prepareSelect,
} from '@aura/db';
import { and, asc, desc, eq, sql, type Placeholder, type SQL } from 'drizzle-orm';
import { undoableTrashMove, undoableWrite } from '../actions/recorder';
import { checkSceneCount } from '../scenes/service';
import { purgeProjectVersionsInTransaction } from '../versions/service';
import { keyset, type Keyset, type Page } from '../paging';
import {
  projectSearchCondition,
  projectSearchParams,
  projectSearchPlanOf,
  projectSearchPlans,
  projectSearchShape,
  type ProjectSearchPlan,
} from '../search/projects';
import {
  PROJECT_SPECS,
  type ProjectCreateInput,
  type ProjectFailInput,
  type ProjectJobInput,
  type ProjectListQuery,
  type ProjectSort,
  type ProjectStageInput,
  type ProjectTrashQuery,
  type ProjectUpdateInput,
  type ProjectVersionedInput,
  type ProjectWizardStepInput,
} from './schema';

/** The columns the project list shows (the JSON specs stay out of lists). */
export const projectListColumns = {
  id: projectStates.id,
  title: projectStates.title,
  description: projectStates.description,
  status: projectStates.status,
  currentStage: projectStates.currentStage,
  progressPercent: projectStates.progressPercent,
  updatedAt: projectStates.updatedAt,
  createdAt: projectStates.createdAt,
  rowVersion: projectStates.rowVersion,
};

/** The sort keys a project list row carries. */
interface ProjectSortRow {
  id: string;
  updatedAt: string;
  createdAt: string;
  title: string;
}

/**
 * One keyset per sort order, the order in the list name: a cursor of another sort is
 * BAD_REQUEST on `cursor`. Each order ends on Id as its tie-breaker.
 */
const PROJECT_ORDERS: Record<ProjectSort, Keyset<ProjectSortRow>> = {
  updated: keyset('projects:updated', [
    { column: projectStates.updatedAt, direction: 'desc', of: (r) => r.updatedAt },
    { column: projectStates.id, direction: 'desc', of: (r) => r.id },
  ]),
  created: keyset('projects:created', [
    { column: projectStates.createdAt, direction: 'desc', of: (r) => r.createdAt },
    { column: projectStates.id, direction: 'desc', of: (r) => r.id },
  ]),
  title: keyset('projects:title', [
    { column: sql`${projectStates.title} COLLATE NOCASE`, direction: 'asc', of: (r) => r.title },
    { column: projectStates.id, direction: 'asc', of: (r) => r.id },
  ]),
};

/** LIKE pattern matching `text` literally as a substring (with ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The list query (limit + 1 rows, to know whether another page follows) of `query`'s shape, its
 * values bound (`prepared`: false) or as placeholders (see projectListParams).
 */
function projectListSelect(
  db: AuraDb,
  query: ProjectListQuery,
  prepared: boolean,
  viewer: Actor = null,
) {
  const order = PROJECT_ORDERS[query.sort];
  const value = <T>(name: string, v: T) => (prepared ? sql.placeholder(name) : v);
  // Full-text search (issue 13): the index for rare terms, the ordered scan for common ones. The
  // index's matches drive the read, so the soft-delete filter only checks the rows they name.
  const search = projectSearchPlanOf(db, query);
  const conditions: (SQL | undefined)[] = [
    search?.mode === 'index' ? notDeletedCheckOnly(projectStates) : notDeleted(projectStates),
  ];
  if (query.status) conditions.push(eq(projectStates.status, value('status', query.status)));
  if (query.stage) conditions.push(eq(projectStates.currentStage, value('stage', query.stage)));
  conditions.push(...projectRangeConditions(query, value, viewer));
  if (search) conditions.push(projectSearchCondition(search, value));
  const after = prepared && query.cursor ? order.afterPlaceholders() : order.after(query.cursor);
  return db
    .select(projectListColumns)
    .from(projectStates)
    .where(and(...conditions, after))
    .orderBy(...order.orderBy)
    .limit(value('limit', query.limit + 1));
}

/**
 * The date-range and owner filters of the list. "mine" without a signed-in caller matches
 * nothing (CreatedBy = NULL is never true).
 */
function projectRangeConditions(
  query: ProjectListQuery,
  value: <T>(name: string, v: T) => T | Placeholder,
  viewer: Actor,
): SQL[] {
  // A bound on the sort's own column narrows the sort's index; one on the other column is a
  // filter only (unary +), so SQLite never trades the ordered index for a range and a sort.
  const created =
    query.sort === 'created' ? sql`${projectStates.createdAt}` : sql`+${projectStates.createdAt}`;
  const updated =
    query.sort === 'updated' ? sql`${projectStates.updatedAt}` : sql`+${projectStates.updatedAt}`;
  const conditions: SQL[] = [];
  if (query.createdFrom)
    conditions.push(sql`${created} >= ${value('createdFrom', query.createdFrom)}`);
  if (query.createdTo) conditions.push(sql`${created} <= ${value('createdTo', query.createdTo)}`);
  if (query.updatedFrom)
    conditions.push(sql`${updated} >= ${value('updatedFrom', query.updatedFrom)}`);
  if (query.updatedTo) conditions.push(sql`${updated} <= ${value('updatedTo', query.updatedTo)}`);
  if (query.owner === 'mine')
    conditions.push(sql`${projectStates.createdBy} = ${value('owner', viewer)}`);
  return conditions;
}

/** The placeholder values of the prepared list query of `query`'s shape. */
function projectListParams(
  query: ProjectListQuery,
  viewer: Actor,
  plan: ProjectSearchPlan | undefined,
): Record<string, unknown> {
  return {
    status: query.status,
    stage: query.stage,
    createdFrom: query.createdFrom,
    createdTo: query.createdTo,
    updatedFrom: query.updatedFrom,
    updatedTo: query.updatedTo,
    owner: query.owner === 'mine' ? viewer : undefined,
    ...projectSearchParams(plan),
    limit: query.limit + 1,
    ...(query.cursor ? PROJECT_ORDERS[query.sort].cursorParams(query.cursor) : {}),
  };
}

/** The list query with its values bound. Exposed for the EXPLAIN QUERY PLAN tests. */
export function buildProjectListQuery(db: AuraDb, query: ProjectListQuery, viewer: Actor = null) {
  return projectListSelect(db, query, false, viewer);
}

export type ProjectListItem = Awaited<
  ReturnType<ReturnType<typeof buildProjectListQuery>['all']>
>[number];

export type ProjectListPage = Page<ProjectListItem>;

/** The list query of each shape (sort, filters present, cursor or not) prepared once. */
const preparedProjectList = preparedPerShape(
  (query: ProjectListQuery) =>
    `${query.sort}:${query.status ? 's' : ''}${query.stage ? 'g' : ''}${projectSearchShape(projectSearchPlans.get(query))}${query.cursor ? 'c' : ''}${projectRangeShape(query)}`,
  (db, query) => prepareSelect(projectListSelect(db, query, true)),
);

/** The part of a list query's shape the range and owner filters add. */
function projectRangeShape(query: ProjectListQuery): string {
  const flags = [
    query.createdFrom ? 'cf' : '',
    query.createdTo ? 'ct' : '',
    query.updatedFrom ? 'uf' : '',
    query.updatedTo ? 'ut' : '',
    query.owner ? `o${query.owner}` : '',
  ].join('');
  return flags ? `:${flags}` : '';
}

/**
 * One page of live (not soft-deleted) projects. Takes the parsed input (defaults applied, cursor
 * decoded): callers outside tRPC parse with `projectListInput.parse(raw)` first. `viewer` is the
 * caller, for the owner filter "mine".
 */
export function listProjects(
  db: AuraDb,
  query: ProjectListQuery,
  viewer: Actor = null,
): ProjectListPage {
  const plan = projectSearchPlanOf(db, query);
  // The index found nothing: no filter or page can add a row.
  if (plan?.mode === 'index' && plan.ids === '[]') return { items: [], nextCursor: null };
  const rows = preparedProjectList(db, query).all(projectListParams(query, viewer, plan));
  return PROJECT_ORDERS[query.sort].page(rows, query.limit);
}

// ---------------------------------------------------------------------------------------------
// Create, read, update, state transitions, trash, duplicate.

type SpecInput = Partial<Record<keyof typeof PROJECT_SPECS, Record<string, unknown> | null>>;
type SpecColumns = Partial<
  Pick<NewProjectState, (typeof PROJECT_SPECS)[keyof typeof PROJECT_SPECS]>
>;

/** The spec sections present in the input as JSON text columns (null clears; absent: untouched). */
function specColumns(input: SpecInput): SpecColumns {
  const columns: SpecColumns = {};
  for (const [field, column] of Object.entries(PROJECT_SPECS) as [
    keyof typeof PROJECT_SPECS,
    (typeof PROJECT_SPECS)[keyof typeof PROJECT_SPECS],
  ][]) {
    const value = input[field];
    if (value !== undefined) columns[column] = value === null ? null : JSON.stringify(value);
  }
  return columns;
}

/** A new InProgress project at wizard step 0, stage Script. */
export function createProject(db: AuraDb, actor: Actor, input: ProjectCreateInput): ProjectState {
  const id = newId();
  return undoableWrite(
    db,
    actor,
    { type: 'projects.create', description: `Created project "${input.title}"` },
    (tx, tracker) => {
      tracker.track('ProjectStates', [id]);
      return insertAudited(
        tx,
        projectStates,
        {
          id,
          title: input.title,
          description: input.description ?? null,
          jobId: input.jobId ?? null,
          ...specColumns(input),
        },
        actor,
      );
    },
  );
}

/**
 * The project and its scenes (by SceneIndex), assets and checkpoints (newest first): one indexed
 * statement per table, whatever the number of children (no N+1). `id` is a value or a
 * placeholder. Exposed unexecuted for the EXPLAIN QUERY PLAN tests.
 */
export function buildProjectGetQueries(db: AuraDb, id: string | Placeholder) {
  return {
    project: db
      .select()
      .from(projectStates)
      .where(and(eq(projectStates.id, id), notDeleted(projectStates))),
    // SceneIndex is unique within a project (0..n-1), so it needs no tie-breaker.
    scenes: db
      .select()
      .from(sceneStates)
      .where(eq(sceneStates.projectId, id))
      .orderBy(asc(sceneStates.sceneIndex)),
    assets: db
      .select()
      .from(assetStates)
      .where(eq(assetStates.projectId, id))
      .orderBy(asc(assetStates.assetType), asc(assetStates.id)),
    checkpoints: db
      .select()
      .from(renderCheckpoints)
      .where(eq(renderCheckpoints.projectId, id))
      .orderBy(desc(renderCheckpoints.checkpointTime), desc(renderCheckpoints.id)),
  };
}

export type ProjectWithChildren = ProjectState & {
  scenes: SceneState[];
  assets: AssetState[];
  checkpoints: RenderCheckpoint[];
};

/**
 * The four statements prepared once per connection, run in one read transaction so they see one
 * snapshot. (Drizzle's relational query did it in one statement of correlated JSON subqueries,
 * but decoding its JSON cost more than the reads: 0.30 against 0.21 ms for ~10 scenes and ~20
 * assets.)
 */
function prepareProjectGet(db: AuraDb) {
  const queries = buildProjectGetQueries(db, sql.placeholder('id'));
  const project = prepareSelect(queries.project);
  const scenes = prepareSelect(queries.scenes);
  const assets = prepareSelect(queries.assets);
  const checkpoints = prepareSelect(queries.checkpoints);
  return db.$client.transaction((id: string): ProjectWithChildren | undefined => {
    const row = project.get({ id });
    if (!row) return undefined;
    return {
      ...row,
      scenes: scenes.all({ id }),
      assets: assets.all({ id }),
      checkpoints: checkpoints.all({ id }),
    };
  });
}

const preparedProjectGet = new WeakMap<AuraDb, ReturnType<typeof prepareProjectGet>>();

/** A live project with its children; a missing or soft-deleted one is NotFoundError. */
export function getProject(db: AuraDb, id: string): ProjectWithChildren {
  let read = preparedProjectGet.get(db);
  if (!read) {
    read = prepareProjectGet(db);
    preparedProjectGet.set(db, read);
  }
  const project = read(id);
  if (!project) throw new NotFoundError('ProjectStates', id);
  return project;
}

/** At most this many projects are returned for one job id (normally there is one). */
export const PROJECTS_BY_JOB_MAX = 100;

/**
 * The live projects of one render job, newest first; served by IX_ProjectStates_JobId. The unary
 * `+` keeps SQLite off the IsDeleted indexes, which it prefers without ANALYZE statistics although
 * a job has a handful of rows and IsDeleted = 0 matches nearly all (the sort of those few rows
 * is a small temporary B-tree).
 */
export function buildProjectsByJobQuery(db: AuraDb, jobId: string) {
  return db
    .select({ ...projectListColumns, jobId: projectStates.jobId })
    .from(projectStates)
    .where(and(eq(projectStates.jobId, jobId), sql`+${projectStates.isDeleted} = 0`))
    .orderBy(desc(projectStates.createdAt), desc(projectStates.id))
    .limit(PROJECTS_BY_JOB_MAX);
}

export function projectsByJob(db: AuraDb, input: ProjectJobInput) {
  return buildProjectsByJobQuery(db, input.jobId).all();
}

/** The live project as it is before a change (for the undo log's description). */
function projectBefore(tx: AuraDb, id: string): ProjectState | undefined {
  return findAnyById(tx, projectStates, id);
}

const SPEC_LABELS: Record<keyof typeof PROJECT_SPECS, string> = {
  brief: 'brief',
  planSpec: 'plan',
  voiceSpec: 'voice',
  renderSpec: 'render settings',
};

/** "a", "a and b", "a, b and c". */
function listing(items: string[]): string {
  const last = items.at(-1) ?? '';
  return items.length <= 1 ? last : `${items.slice(0, -1).join(', ')} and ${last}`;
}

/** What an update did, for the undo log: a rename says so, other edits name the fields. */
function describeUpdate(before: ProjectState | undefined, input: ProjectUpdateInput): string {
  const title = before?.title ?? input.id;
  const fields = [
    ...(input.description !== undefined ? ['description'] : []),
    ...(input.jobId !== undefined ? ['render job'] : []),
    ...(Object.keys(PROJECT_SPECS) as (keyof typeof PROJECT_SPECS)[])
      .filter((field) => input[field] !== undefined)
      .map((field) => SPEC_LABELS[field]),
  ];
  const renamed = input.title !== undefined && input.title !== title;
  if (renamed && fields.length === 0) return `Renamed project "${title}" to "${input.title}"`;
  if (renamed)
    return `Renamed project "${title}" to "${input.title}" and edited its ${listing(fields)}`;
  if (fields.length === 0) return `Edited project "${title}"`;
  return `Edited the ${listing(fields)} of project "${title}"`;
}

/**
 * Runs a change of one project row as one logged action: the row is tracked before `change`
 * runs, and `describe` sees the row as it was before.
 */
function projectAction(
  db: AuraDb,
  actor: Actor,
  id: string,
  type: string,
  describe: (before: ProjectState | undefined, after: ProjectState) => string,
  change: (tx: AuraDb) => ProjectState,
): ProjectState {
  let before: ProjectState | undefined;
  return undoableWrite(
    db,
    actor,
    (after: ProjectState) => ({ type, description: describe(before, after) }),
    (tx, tracker) => {
      before = projectBefore(tx, id);
      tracker.track('ProjectStates', [id]);
      return change(tx);
    },
  );
}

/** Title, description and specs; only the fields present change. Stale RowVersion: CONFLICT. */
export function updateProject(db: AuraDb, actor: Actor, input: ProjectUpdateInput): ProjectState {
  const patch: Partial<NewProjectState> = { ...specColumns(input) };
  if (input.title !== undefined) patch.title = input.title;
  if (input.description !== undefined) patch.description = input.description;
  if (input.jobId !== undefined) patch.jobId = input.jobId;
  return projectAction(
    db,
    actor,
    input.id,
    'projects.update',
    (before) => describeUpdate(before, input),
    (tx) =>
      versionedUpdate(
        tx,
        projectStates,
        { id: input.id, rowVersion: input.rowVersion },
        patch,
        actor,
      ),
  );
}

export function setProjectWizardStep(
  db: AuraDb,
  actor: Actor,
  input: ProjectWizardStepInput,
): ProjectState {
  return projectAction(
    db,
    actor,
    input.id,
    'projects.setWizardStep',
    (before, after) =>
      `Moved project "${after.title}" from wizard step ${before?.currentWizardStep ?? '?'} to step ${after.currentWizardStep}`,
    (tx) =>
      versionedUpdate(
        tx,
        projectStates,
        { id: input.id, rowVersion: input.rowVersion },
        { currentWizardStep: input.step },
        actor,
      ),
  );
}

/** The only status a project's stage, progress and final status may change from. */
const ACTIVE_STATUS: ProjectStatus = 'InProgress';

/** Valid status transitions: InProgress → Completed | Failed | Cancelled, nothing else. */
export const PROJECT_TRANSITIONS: Record<ProjectStatus, readonly ProjectStatus[]> = {
  InProgress: ['Completed', 'Failed', 'Cancelled'],
  Completed: [],
  Failed: [],
  Cancelled: [],
};

export function canTransition(from: ProjectStatus, to: ProjectStatus): boolean {
  return PROJECT_TRANSITIONS[from].includes(to);
}

/** Reads the live project in `tx` and throws CONFLICT unless its status allows `action`. */
function requireActive(tx: AuraDb, id: string, action: string, to?: ProjectStatus): ProjectState {
  const current = getById(tx, projectStates, id);
  const allowed = to ? canTransition(current.status, to) : current.status === ACTIVE_STATUS;
  if (!allowed) {
    throw new StateError(
      `Project ${id} is ${current.status}; only an ${ACTIVE_STATUS} project can ${action}`,
    );
  }
  return current;
}

/** Stage and progress, only while the project is InProgress. */
export function setProjectStage(db: AuraDb, actor: Actor, input: ProjectStageInput): ProjectState {
  return projectAction(
    db,
    actor,
    input.id,
    'projects.setStage',
    (_before, after) =>
      `Set project "${after.title}" to stage ${after.currentStage} (${after.progressPercent}%)`,
    (tx) => {
      requireActive(tx, input.id, 'change its stage');
      return versionedUpdate(
        tx,
        projectStates,
        { id: input.id, rowVersion: input.rowVersion },
        { currentStage: input.stage, progressPercent: input.progressPercent },
        actor,
      );
    },
  );
}

function transition(
  db: AuraDb,
  actor: Actor,
  key: ProjectVersionedInput,
  to: ProjectStatus,
  action: string,
  patch: Partial<NewProjectState>,
  log: { type: string; describe: (project: ProjectState) => string },
): ProjectState {
  return projectAction(
    db,
    actor,
    key.id,
    log.type,
    (_before, after) => log.describe(after),
    (tx) => {
      requireActive(tx, key.id, action, to);
      return versionedUpdate(
        tx,
        projectStates,
        { id: key.id, rowVersion: key.rowVersion },
        { ...patch, status: to },
        actor,
      );
    },
  );
}

/** InProgress → Completed: CompletedAt now, progress 100. */
export function completeProject(db: AuraDb, actor: Actor, input: ProjectVersionedInput) {
  return transition(
    db,
    actor,
    input,
    'Completed',
    'be completed',
    { completedAt: nowIso(), progressPercent: 100 },
    { type: 'projects.complete', describe: (p) => `Completed project "${p.title}"` },
  );
}

/** InProgress → Failed, keeping the error message. */
export function failProject(db: AuraDb, actor: Actor, input: ProjectFailInput) {
  return transition(
    db,
    actor,
    input,
    'Failed',
    'fail',
    { errorMessage: input.errorMessage },
    { type: 'projects.fail', describe: (p) => `Marked project "${p.title}" as failed` },
  );
}

/** InProgress → Cancelled. */
export function cancelProject(db: AuraDb, actor: Actor, input: ProjectVersionedInput) {
  return transition(
    db,
    actor,
    input,
    'Cancelled',
    'be cancelled',
    {},
    { type: 'projects.cancel', describe: (p) => `Cancelled project "${p.title}"` },
  );
}

/** Moves a live project to the trash (its children stay, hidden with it). */
export function softDeleteProject(db: AuraDb, actor: Actor, input: ProjectVersionedInput) {
  return moveProject(db, actor, input, 'trash', 'projects.softDelete');
}

/** Brings a project back from the trash; one that is not in the trash is NOT_FOUND. */
export function restoreProject(db: AuraDb, actor: Actor, input: ProjectVersionedInput) {
  return moveProject(db, actor, input, 'restore', 'projects.restore');
}

function moveProject(
  db: AuraDb,
  actor: Actor,
  key: ProjectVersionedInput,
  direction: 'trash' | 'restore',
  type: string,
): ProjectState {
  return undoableTrashMove<typeof projectStates, ProjectState>(db, actor, {
    table: 'ProjectStates',
    direction,
    key: { id: key.id, rowVersion: key.rowVersion },
    type,
    describe: (project) => `project "${project.title}"`,
    view: (row) => row,
  });
}

/** The columns the trash shows. */
export const projectTrashColumns = {
  ...projectListColumns,
  deletedAt: projectStates.deletedAt,
  deletedBy: projectStates.deletedBy,
};

/** Most recently deleted first (a trashed row always has its DeletedAt). */
const trashOrder = keyset<{ id: string; deletedAt: string | null }>('trash', [
  { column: projectStates.deletedAt, direction: 'desc', of: (row) => row.deletedAt ?? '' },
  { column: projectStates.id, direction: 'desc', of: (row) => row.id },
]);

function projectTrashSelect(db: AuraDb, query: ProjectTrashQuery, prepared: boolean) {
  const after =
    prepared && query.cursor ? trashOrder.afterPlaceholders() : trashOrder.after(query.cursor);
  return db
    .select(projectTrashColumns)
    .from(projectStates)
    .where(and(onlyDeleted(projectStates), after))
    .orderBy(...trashOrder.orderBy)
    .limit(prepared ? sql.placeholder('limit') : query.limit + 1);
}

/** The trash query, most recently deleted first (limit + 1 rows). Exposed for EXPLAIN tests. */
export function buildProjectTrashQuery(db: AuraDb, query: ProjectTrashQuery) {
  return projectTrashSelect(db, query, false);
}

export type ProjectTrashItem = Awaited<
  ReturnType<ReturnType<typeof buildProjectTrashQuery>['all']>
>[number];

const preparedProjectTrash = preparedPerShape(
  (query: ProjectTrashQuery) => (query.cursor ? 'c' : ''),
  (db, query) => prepareSelect(projectTrashSelect(db, query, true)),
);

/** One page of soft-deleted projects, by DeletedAt descending. */
export function listProjectTrash(db: AuraDb, query: ProjectTrashQuery): Page<ProjectTrashItem> {
  const rows = preparedProjectTrash(db, query).all({
    limit: query.limit + 1,
    ...(query.cursor ? trashOrder.cursorParams(query.cursor) : {}),
  });
  return trashOrder.page(rows, query.limit);
}

/**
 * Removes a project for good, in the trash or not; its scenes, assets, checkpoints and versions go
 * with it (ON DELETE CASCADE) and its versions' blob references are released. Admin only at the
 * API. Not in the undo log: it is forever (an earlier action on the project then cannot be undone:
 * its rows no longer exist, so undo answers CONFLICT).
 */
export function hardDeleteProject(db: AuraDb, id: string): ProjectState {
  return writeTransaction(db, (tx) => {
    if (!findAnyById(tx, projectStates, id)) throw new NotFoundError('ProjectStates', id);
    purgeProjectVersionsInTransaction(tx, id);
    return hardDelete(tx, projectStates, id);
  });
}

const TITLE_MAX = 200;
const COPY_SUFFIX = ' (copy)';

/**
 * A new InProgress project titled "<title> (copy)" with the source's description, specs, wizard
 * step, stage and progress, and copies of its scenes and asset rows (same files). Checkpoints,
 * status, errors and job belong to the source's run and are not copied.
 */
export function duplicateProject(db: AuraDb, actor: Actor, id: string): ProjectWithChildren {
  let description = '';
  const copyId = undoableWrite(
    db,
    actor,
    () => ({ type: 'projects.duplicate', description }),
    (tx, tracker) => {
      const source = getById(tx, projectStates, id);
      const scenes = tx
        .select()
        .from(sceneStates)
        .where(eq(sceneStates.projectId, id))
        .orderBy(asc(sceneStates.sceneIndex))
        .all();
      // A project written before the cap (an import) may hold more; its copy may not.
      checkSceneCount(scenes.length);
      const title = `${source.title.slice(0, TITLE_MAX - COPY_SUFFIX.length)}${COPY_SUFFIX}`;
      description = `Duplicated project "${source.title}" as "${title}"`;
      // Ids chosen up front so the undo log can track the rows before they exist (the project
      // first: undo removes in reverse order, children before their parent).
      const copyId = newId();
      tracker.track('ProjectStates', [copyId]);
      const copy = insertAudited(
        tx,
        projectStates,
        {
          id: copyId,
          title,
          description: source.description,
          currentWizardStep: source.currentWizardStep,
          status: 'InProgress',
          currentStage: source.currentStage,
          progressPercent: source.progressPercent,
          briefJson: source.briefJson,
          planSpecJson: source.planSpecJson,
          voiceSpecJson: source.voiceSpecJson,
          renderSpecJson: source.renderSpecJson,
        },
        actor,
      );
      for (const scene of scenes) {
        const sceneId = newId();
        tracker.track('SceneStates', [sceneId]);
        insertAudited(
          tx,
          sceneStates,
          {
            id: sceneId,
            projectId: copy.id,
            sceneIndex: scene.sceneIndex,
            scriptText: scene.scriptText,
            audioFilePath: scene.audioFilePath,
            imageFilePath: scene.imageFilePath,
            durationSeconds: scene.durationSeconds,
            isCompleted: scene.isCompleted,
          },
          actor,
        );
      }
      const assets = tx.select().from(assetStates).where(eq(assetStates.projectId, id)).all();
      for (const asset of assets) {
        const assetId = newId();
        tracker.track('AssetStates', [assetId]);
        insertAudited(
          tx,
          assetStates,
          {
            id: assetId,
            projectId: copy.id,
            assetType: asset.assetType,
            filePath: asset.filePath,
            fileSizeBytes: asset.fileSizeBytes,
            mimeType: asset.mimeType,
            isTemporary: asset.isTemporary,
          },
          actor,
        );
      }
      return copy.id;
    },
  );
  return getProject(db, copyId);
}
