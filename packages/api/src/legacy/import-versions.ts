import { VERSION_TYPES, projectVersions } from '@aura/db';
import { and, eq } from 'drizzle-orm';
import { SCENES_PER_PROJECT_MAX } from '../limits';
import {
  addReferences,
  prepareBlob,
  sha256,
  storeBlobs,
  type PreparedBlob,
} from '../versions/content';
import { encodeTimeline, type DecodedTimeline, type TimelineEntries } from '../versions/timeline';
import { boolOf, convertSpec, efDate, normalizeId, parseJson, textOf } from './convert';
import { clampInt, columns, exists, legacyAudit, parentProject, type Context } from './context';
import { readLegacyRows } from './detect';

/* Versions, rebuilt into our content-addressed storage. */

const VERSION_COLUMNS = columns(`
  Id ProjectId VersionNumber Name Description VersionType Trigger CreatedAt
  CreatedByUserId BriefJson PlanSpecJson VoiceSpecJson RenderSpecJson TimelineJson
  BriefHash PlanHash VoiceHash RenderHash TimelineHash StorageSizeBytes
  IsMarkedImportant IsDeleted DeletedAt CreatedBy DeletedBy ModifiedBy UpdatedAt
`);

const VERSION_DOCUMENTS = [
  { json: 'BriefJson', hash: 'BriefHash', contentType: 'Brief', key: 'briefHash' },
  { json: 'PlanSpecJson', hash: 'PlanHash', contentType: 'Plan', key: 'planHash' },
  { json: 'VoiceSpecJson', hash: 'VoiceHash', contentType: 'Voice', key: 'voiceHash' },
  { json: 'RenderSpecJson', hash: 'RenderHash', contentType: 'Render', key: 'renderHash' },
] as const;

/**
 * Versions are rebuilt, not copied: each document (in our converted form) goes into our
 * content-addressed store, the scenes the project had at the version's time become scene blobs
 * and a timeline (the .NET app kept no timeline), and every blob's ReferenceCount counts exactly
 * the versions that hold it. Version numbers are kept, gaps included.
 */
export function importVersions(ctx: Context): void {
  const { tx, report } = ctx;
  const table = report.table('ProjectVersions', 'ProjectVersions');
  const blobTable = report.table('ContentBlobs', 'ContentBlobs');
  const notes = report.notes('ProjectVersions');
  const blobNotes = report.notes('ContentBlobs');

  const legacyBlobs = new Map<string, { content: string; referenceCount: number }>();
  for (const row of readLegacyRows(ctx.legacy, ctx.schema, 'ContentBlobs', [
    'ContentHash',
    'Content',
    'ReferenceCount',
  ])) {
    blobTable.read += 1;
    const hash = (textOf(row.ContentHash) ?? '').toLowerCase();
    const content = textOf(row.Content) ?? '';
    if (sha256(content) !== hash) {
      report.blobs.hashMismatches += 1;
      blobNotes.note('Content', 'does not hash to its ContentHash → not trusted');
      continue;
    }
    legacyBlobs.set(hash, {
      content,
      referenceCount: clampInt(row.ReferenceCount, 0, Number.MAX_SAFE_INTEGER),
    });
  }
  const legacyRefs = new Map<string, number>();
  const importedRefs = new Set<string>();

  const rows = readLegacyRows(ctx.legacy, ctx.schema, 'ProjectVersions', VERSION_COLUMNS)
    .map((row) => ({ row, number: clampInt(row.VersionNumber, 0, Number.MAX_SAFE_INTEGER) }))
    .sort((a, b) => a.number - b.number);
  const previousTimeline = new Map<string, DecodedTimeline>();

  for (const { row, number } of rows) {
    table.read += 1;
    for (const doc of VERSION_DOCUMENTS) {
      const h = textOf(row[doc.hash])?.toLowerCase();
      if (h) legacyRefs.set(h, (legacyRefs.get(h) ?? 0) + 1);
    }
    const rawId = textOf(row.Id) ?? '(no id)';
    const id = normalizeId(rawId, 'Id', notes);
    if (exists(tx, projectVersions, projectVersions.id, id)) {
      report.skip(table, rawId, 'already imported (a version with this id exists)');
      continue;
    }
    const parent = parentProject(ctx, row.ProjectId, notes);
    if ('reason' in parent) {
      report.skip(table, rawId, parent.reason);
      continue;
    }
    if (number < 1) {
      report.skip(table, rawId, `VersionNumber ${number} is not a positive number`);
      continue;
    }
    const taken = tx
      .select({ id: projectVersions.id })
      .from(projectVersions)
      .where(
        and(eq(projectVersions.projectId, parent.id), eq(projectVersions.versionNumber, number)),
      )
      .get();
    if (taken) {
      report.skip(table, rawId, `its project already has a version ${number}`);
      continue;
    }

    // Documents: the inline JSON (verified against its hash) or, without it, the legacy blob.
    const documents: PreparedBlob[] = [];
    const hashes: Record<(typeof VERSION_DOCUMENTS)[number]['key'], string | null> = {
      briefHash: null,
      planHash: null,
      voiceHash: null,
      renderHash: null,
    };
    for (const doc of VERSION_DOCUMENTS) {
      const inline = textOf(row[doc.json]);
      const legacyHash = textOf(row[doc.hash])?.toLowerCase() ?? null;
      let text = inline;
      if (inline !== null && legacyHash !== null && sha256(inline) !== legacyHash) {
        notes.note(doc.json, 'inline JSON does not match its hash → inline JSON kept');
      }
      if (text === null && legacyHash !== null) {
        text = legacyBlobs.get(legacyHash)?.content ?? null;
        if (text === null) notes.note(doc.json, 'no inline JSON and no valid blob → null');
        else notes.note(doc.json, 'read from ContentBlobs (no inline JSON)');
      }
      if (legacyHash !== null) importedRefs.add(legacyHash);
      const converted = convertSpec(text, doc.json, notes);
      if (converted === null) continue;
      const blob = prepareBlob(doc.contentType, parseJson(converted));
      documents.push(blob);
      hashes[doc.key] = blob.hash;
    }
    if (textOf(row.TimelineJson) !== null) {
      notes.note('TimelineJson', 'legacy timeline not used; rebuilt from the scenes');
    }

    // The scenes the project had when the version was taken (legacy scenes are never edited
    // after their creation, so their content then is their content now).
    const createdAt = efDate(row.CreatedAt, 'CreatedAt', notes) ?? ctx.now;
    const scenes = (ctx.scenesByProject.get(parent.id) ?? [])
      .filter((s) => s.createdAt <= createdAt)
      .sort((a, b) => a.sceneIndex - b.sceneIndex || a.content.id.localeCompare(b.content.id))
      .slice(0, SCENES_PER_PROJECT_MAX);
    const sceneBlobs: PreparedBlob[] = [];
    const entries: TimelineEntries = [];
    for (const scene of scenes) {
      const blob = prepareBlob('Scene', scene.content);
      sceneBlobs.push(blob);
      entries.push([scene.content.id, blob.hash]);
    }
    const previous = previousTimeline.get(parent.id) ?? null;
    const timeline = encodeTimeline(entries, previous);
    previousTimeline.set(parent.id, decodedAfter(timeline.blob, timeline.chain, entries, previous));
    notes.note('TimelineHash', 'rebuilt from the project scenes present at the version time');

    const created = storeBlobs(
      tx,
      [...documents, ...sceneBlobs, timeline.blob],
      ctx.owner,
      ctx.now,
    );
    report.blobs.created += created.length;
    const closure = new Set([
      ...documents.map((b) => b.hash),
      ...sceneBlobs.map((b) => b.hash),
      ...timeline.chain,
    ]);
    addReferences(tx, closure, ctx.now);
    report.blobs.referencesAdded += closure.size;

    const fullTimelineBytes = Buffer.byteLength(JSON.stringify(entries)) + 40;
    const storageSizeBytes =
      documents.reduce((n, b) => n + b.size, 0) +
      sceneBlobs.reduce((n, b) => n + b.size, 0) +
      fullTimelineBytes;
    notes.note('StorageSizeBytes', 'recomputed in UTF-8 bytes (the .NET app counted UTF-16 chars)');

    const legacyType = textOf(row.VersionType) ?? 'Manual';
    const versionType = VERSION_TYPES.find((t) => t === legacyType) ?? 'Manual';
    if (versionType !== legacyType) notes.note('VersionType', `${legacyType} → Manual`);
    const isDeleted = boolOf(row.IsDeleted);
    let deletedAt = isDeleted ? efDate(row.DeletedAt, 'DeletedAt', notes) : null;
    if (isDeleted && deletedAt === null) {
      deletedAt = createdAt;
      notes.note('DeletedAt', 'missing on a deleted row → its CreatedAt');
    }
    const deletedBy = isDeleted ? textOf(row.DeletedBy) : null;
    if (isDeleted && deletedBy === null) notes.note('DeletedBy', 'null → importing owner');
    const updatedAt = efDate(row.UpdatedAt, 'UpdatedAt', notes);
    if (updatedAt === null) notes.note('UpdatedAt', 'sentinel/missing → CreatedAt');
    const createdByUserId = textOf(row.CreatedByUserId);
    if (createdByUserId === null) notes.note('CreatedByUserId', 'null → importing owner');

    tx.insert(projectVersions)
      .values({
        id,
        projectId: parent.id,
        versionNumber: number,
        name: textOf(row.Name),
        description: textOf(row.Description),
        versionType,
        trigger: textOf(row.Trigger),
        createdByUserId: createdByUserId ?? ctx.owner,
        ...hashes,
        timelineHash: timeline.blob.hash,
        storageSizeBytes,
        isMarkedImportant: boolOf(row.IsMarkedImportant),
        isDeleted,
        deletedAt,
        deletedBy: isDeleted ? (deletedBy ?? ctx.owner) : null,
        ...legacyAudit(
          notes,
          { createdAt, updatedAt },
          { createdBy: row.CreatedBy, modifiedBy: row.ModifiedBy },
          ctx.owner,
          ctx.now,
        ),
      })
      .run();
    table.imported += 1;
  }

  // Legacy blobs: kept (as our canonical blobs) when an imported version holds them.
  for (const [hash, blob] of legacyBlobs) {
    const holders = legacyRefs.get(hash) ?? 0;
    if (holders !== blob.referenceCount) {
      blobNotes.note('ReferenceCount', 'recomputed from the versions (the .NET count was wrong)');
    }
    if (importedRefs.has(hash)) blobTable.imported += 1;
    else if (holders > 0) report.skip(blobTable, hash, 'its versions were already imported');
    else
      report.skip(blobTable, hash, 'no version references it (the .NET app never collected blobs)');
  }
}

/** The decoded form of a timeline just encoded, without reading it back from the store. */
function decodedAfter(
  blob: PreparedBlob,
  chain: string[],
  entries: TimelineEntries,
  previous: DecodedTimeline | null,
): DecodedTimeline {
  const full = chain.length === 1;
  return {
    hash: blob.hash,
    entries,
    chain,
    depth: full || !previous ? 0 : previous.depth + 1,
    chainBytes: full || !previous ? 0 : previous.chainBytes + blob.size,
  };
}
