import type { RouterInputs } from '@aura/api/client';
import type { ProjectStage, ProjectStatus } from '@aura/db';
import {
  createLoader,
  createParser,
  parseAsBoolean,
  parseAsString,
  parseAsStringLiteral,
} from 'nuqs/server';

/**
 * The projects page's URL state (filters, sort, view), shared by the server component that
 * prefetches and the client table, so both build the same list input and query key.
 */

// The values of the table's CHECK constraints; typed against the db's unions so a change there
// fails the build here (the db package itself is not bundled into the browser).
export const STATUSES = [
  'InProgress',
  'Completed',
  'Failed',
  'Cancelled',
] as const satisfies readonly ProjectStatus[];
export const STAGES = [
  'Script',
  'TTS',
  'Images',
  'Composition',
  'Render',
] as const satisfies readonly ProjectStage[];
export const SORTS = ['updated', 'created', 'title'] as const;
export type ProjectSortKey = (typeof SORTS)[number];

/** A calendar day, `YYYY-MM-DD` (what a native date input gives); anything else is ignored. */
const parseAsDay = createParser({
  parse: (value: string) =>
    /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))
      ? value
      : null,
  serialize: (value: string) => value,
});

export const projectSearchParams = {
  q: parseAsString.withDefault(''),
  status: parseAsStringLiteral(STATUSES),
  stage: parseAsStringLiteral(STAGES),
  sort: parseAsStringLiteral(SORTS).withDefault('updated'),
  createdFrom: parseAsDay,
  createdTo: parseAsDay,
  updatedFrom: parseAsDay,
  updatedTo: parseAsDay,
  mine: parseAsBoolean.withDefault(false),
  trash: parseAsBoolean.withDefault(false),
};

export const loadProjectSearchParams = createLoader(projectSearchParams);

export interface ProjectSearchState {
  q: string;
  status: ProjectStatus | null;
  stage: ProjectStage | null;
  sort: ProjectSortKey;
  createdFrom: string | null;
  createdTo: string | null;
  updatedFrom: string | null;
  updatedTo: string | null;
  mine: boolean;
  trash: boolean;
}

export type ProjectListInput = Exclude<RouterInputs['projects']['list'], void | undefined>;

export const PAGE_SIZE = 25;

/** Days are UTC days (every time on the dashboard is shown in UTC): from 00:00 to 23:59:59.999. */
const dayStart = (day: string) => `${day}T00:00:00.000Z`;
const dayEnd = (day: string) => `${day}T23:59:59.999Z`;

/** The projects.list input of a URL state; an inverted range is swapped rather than refused. */
export function projectListInput(state: ProjectSearchState): ProjectListInput {
  const input: ProjectListInput = { limit: PAGE_SIZE, sort: state.sort };
  const q = state.q.trim();
  if (q) input.search = q.slice(0, 200);
  if (state.status) input.status = state.status;
  if (state.stage) input.stage = state.stage;
  const range = (from: string | null, to: string | null) =>
    from && to && from > to ? [to, from] : [from, to];
  const [cf, ct] = range(state.createdFrom, state.createdTo);
  const [uf, ut] = range(state.updatedFrom, state.updatedTo);
  if (cf) input.createdFrom = dayStart(cf);
  if (ct) input.createdTo = dayEnd(ct);
  if (uf) input.updatedFrom = dayStart(uf);
  if (ut) input.updatedTo = dayEnd(ut);
  if (state.mine) input.owner = 'mine';
  return input;
}

export const TRASH_INPUT = { limit: PAGE_SIZE } as const;

/** Next page of a keyset list (shared so server and client options match). */
export function nextCursor(lastPage: { nextCursor: string | null }) {
  return lastPage.nextCursor;
}
