import { assetStates, exportHistory, getById, projectStates, type AuraDb } from '@aura/db';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { uuidField } from '../limits';
import { keyset, pageCursor, pageLimit } from '../paging';
import { exportListColumns, type ExportListPage } from './service';

/** A project's exports: those whose input is one of the project's asset files. */
export const projectExportsInput = z.object({
  projectId: uuidField('Project id'),
  limit: pageLimit,
  cursor: pageCursor,
});
export type ProjectExportsQuery = z.output<typeof projectExportsInput>;

/** Newest first, as the export history; its own list name, so cursors do not cross lists. */
const projectExportOrder = keyset<{ createdAt: string; id: string }>('projectExports', [
  { column: exportHistory.createdAt, direction: 'desc', of: (row) => row.createdAt },
  { column: exportHistory.id, direction: 'desc', of: (row) => row.id },
]);

/** The query (exposed for the EXPLAIN QUERY PLAN test): assets by ProjectId, exports by InputFile. */
export function buildProjectExportsQuery(db: AuraDb, query: ProjectExportsQuery) {
  const files = db
    .select({ filePath: assetStates.filePath })
    .from(assetStates)
    .where(eq(assetStates.projectId, query.projectId));
  return db
    .select(exportListColumns)
    .from(exportHistory)
    .where(and(inArray(exportHistory.inputFile, files), projectExportOrder.after(query.cursor)))
    .orderBy(...projectExportOrder.orderBy)
    .limit(query.limit + 1);
}

/**
 * One page of a project's exports (an export records its input file, not a project: the
 * project's are those made from its assets). NOT_FOUND for an unknown project.
 */
export function listProjectExports(db: AuraDb, query: ProjectExportsQuery): ExportListPage {
  getById(db, projectStates, query.projectId);
  return projectExportOrder.page(buildProjectExportsQuery(db, query).all(), query.limit);
}
