import { InvalidInputError, getById, projectStates, projectVersions, type AuraDb } from '@aura/db';
import { diffContent, type ContentDiff } from './diff';
import { versionView, type VersionRow } from './history';
import { currentContent, versionContent } from './snapshot';

export interface VersionDiff extends ContentDiff {
  from: VersionRow;
  /** The version compared with, or null for the project's current state. */
  to: VersionRow | null;
}

/**
 * Two live versions of one project, or a version and its project as it is now. Versions of two
 * different projects are not comparable: BAD_REQUEST on `toVersionId`.
 */
export function diffVersions(
  db: AuraDb,
  input: { fromVersionId: string; toVersionId?: string | undefined },
): VersionDiff {
  const from = getById(db, projectVersions, input.fromVersionId);
  if (input.toVersionId === undefined) {
    const project = getById(db, projectStates, from.projectId);
    return {
      ...diffContent(versionContent(db, from), currentContent(db, project)),
      from: versionView(from),
      to: null,
    };
  }
  const to = getById(db, projectVersions, input.toVersionId);
  if (to.projectId !== from.projectId)
    throw new InvalidInputError('toVersionId', 'Belongs to another project than fromVersionId');
  return {
    ...diffContent(versionContent(db, from), versionContent(db, to)),
    from: versionView(from),
    to: versionView(to),
  };
}
