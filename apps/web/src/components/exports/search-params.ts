import type { ExportStatus } from '@aura/db';
import { createLoader, parseAsStringLiteral } from 'nuqs/server';

/**
 * The exports page's URL state, shared by the server component that prefetches and the client
 * table, so both build the same list input (and query key).
 */
export const EXPORT_STATUS_FILTERS = [
  'Queued',
  'InProgress',
  'Completed',
  'Failed',
  'Cancelled',
] as const satisfies readonly ExportStatus[];

export const exportSearchParams = {
  status: parseAsStringLiteral(EXPORT_STATUS_FILTERS),
};
export const loadExportSearchParams = createLoader(exportSearchParams);

export const EXPORTS_PAGE_SIZE = 25;

export function exportListInput(status: ExportStatus | null) {
  return status ? { limit: EXPORTS_PAGE_SIZE, status } : { limit: EXPORTS_PAGE_SIZE };
}

/** Next page of an infinite export list. */
export function nextExportCursor(page: { nextCursor: string | null }) {
  return page.nextCursor;
}

/** The download route of an export's output (any signed-in user). */
export function downloadHref(id: string, inline = false): string {
  return `/api/exports/${encodeURIComponent(id)}/download${inline ? '?inline=1' : ''}`;
}
