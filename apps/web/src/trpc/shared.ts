import type { RouterInputs } from '@aura/api/client';

export type ProjectListInput = Exclude<RouterInputs['projects']['list'], void | undefined>;
export type ProjectStatusFilter = NonNullable<ProjectListInput['status']>;

export const PAGE_SIZE = 20;

/**
 * The list input the dashboard uses, built the same way on the server (prefetch) and in the
 * browser, so both produce the same query key and the prefetched page is reused.
 */
export function dashboardListInput(filters: {
  status?: ProjectStatusFilter | '';
  search?: string;
}) {
  const input: ProjectListInput = { limit: PAGE_SIZE, sort: 'updated' };
  if (filters.status) input.status = filters.status;
  const search = filters.search?.trim();
  if (search) input.search = search;
  return input;
}

/** Next page of the infinite project list (shared so server and client options match). */
export function nextProjectCursor(lastPage: { nextCursor: string | null }) {
  return lastPage.nextCursor;
}
