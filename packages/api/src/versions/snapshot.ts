import { asc, eq, sql } from 'drizzle-orm';
import type { projectVersions } from '@aura/db';
import {
  preparedPerShape,
  prepareSelect,
  projectStates,
  sceneStateSchema,
  sceneStates,
  type AuraDb,
  type ProjectState,
} from '@aura/db';
import type { z } from 'zod';
import {
  parseJson,
  prepareBlob,
  readBlobs,
  type BlobCache,
  type JsonValue,
  type PreparedBlob,
} from './content';
import { decodeTimeline, type TimelineEntries } from './timeline';

/** The four spec documents of a project and where each lives in a project and a version row. */
export const DOCUMENTS = [
  { key: 'brief', projectColumn: 'briefJson', hashColumn: 'briefHash', contentType: 'Brief' },
  { key: 'plan', projectColumn: 'planSpecJson', hashColumn: 'planHash', contentType: 'Plan' },
  { key: 'voice', projectColumn: 'voiceSpecJson', hashColumn: 'voiceHash', contentType: 'Voice' },
  {
    key: 'render',
    projectColumn: 'renderSpecJson',
    hashColumn: 'renderHash',
    contentType: 'Render',
  },
] as const;

export type DocumentKey = (typeof DOCUMENTS)[number]['key'];

/** A scene as a version keeps it (its position is the timeline's business). */
export const sceneContentSchema = sceneStateSchema.pick({
  id: true,
  scriptText: true,
  durationSeconds: true,
  audioFilePath: true,
  imageFilePath: true,
  isCompleted: true,
});

export type SceneContent = z.output<typeof sceneContentSchema>;

/** Everything a version holds, read back. */
export interface VersionContent {
  brief: JsonValue | null;
  plan: JsonValue | null;
  voice: JsonValue | null;
  render: JsonValue | null;
  scenes: SceneContent[];
}

/** The project's current state, prepared for storage (nothing written yet). */
export interface PreparedSnapshot {
  documents: Record<DocumentKey, PreparedBlob | null>;
  sceneBlobs: PreparedBlob[];
  entries: TimelineEntries;
}

function parseSpec(text: string | null): JsonValue | null {
  return text === null ? null : parseJson(text);
}

export function sceneContent(scene: typeof sceneStates.$inferSelect): SceneContent {
  return {
    id: scene.id,
    scriptText: scene.scriptText,
    durationSeconds: scene.durationSeconds,
    audioFilePath: scene.audioFilePath,
    imageFilePath: scene.imageFilePath,
    isCompleted: scene.isCompleted,
  };
}

/** A project's scenes in order, prepared per connection (every version reads them all). */
const projectScenesStatement = preparedPerShape(
  () => 'scenes',
  (db) =>
    prepareSelect(
      db
        .select()
        .from(sceneStates)
        .where(eq(sceneStates.projectId, sql.placeholder('projectId')))
        .orderBy(asc(sceneStates.sceneIndex), asc(sceneStates.id)),
    ),
);

export function projectScenes(db: AuraDb, projectId: string) {
  return projectScenesStatement(db, null).all({ projectId });
}

/** The current content of a project, as a version would hold it. */
export function currentContent(db: AuraDb, project: ProjectState): VersionContent {
  return {
    brief: parseSpec(project.briefJson),
    plan: parseSpec(project.planSpecJson),
    voice: parseSpec(project.voiceSpecJson),
    render: parseSpec(project.renderSpecJson),
    scenes: projectScenes(db, project.id).map(sceneContent),
  };
}

/**
 * Canonical blobs of spec documents by their stored text: specs are large (up to megabytes) and
 * rarely change between versions, and canonicalising is the costly step of capturing a version.
 * A small LRU; blobs are immutable, so a hit is always right. Found by comparing the texts
 * themselves: comparing a megabyte is a fraction of what hashing it would cost.
 */
const documentCache: { contentType: string; text: string; blob: PreparedBlob }[] = [];
const DOCUMENT_CACHE_SIZE = 16;

function prepareDocument(contentType: string, text: string): PreparedBlob {
  const index = documentCache.findIndex(
    (entry) => entry.contentType === contentType && entry.text === text,
  );
  const hit = documentCache[index];
  if (hit) {
    documentCache.splice(index, 1);
    documentCache.push(hit);
    return hit.blob;
  }
  const blob = prepareBlob(contentType, JSON.parse(text));
  documentCache.push({ contentType, text, blob });
  if (documentCache.length > DOCUMENT_CACHE_SIZE) documentCache.shift();
  return blob;
}

/** Puts `key` last in a Map used as an LRU (insertion order) and drops the oldest beyond `max`. */
function remember<K, V>(lru: Map<K, V>, key: K, value: V, max: number): void {
  lru.delete(key);
  lru.set(key, value);
  for (const oldest of lru.keys()) {
    if (lru.size <= max) break;
    lru.delete(oldest);
  }
}

/**
 * The spec documents a project had at its last snapshot, as the bytes SQLite stores: the next
 * snapshot has SQLite compare them with the columns (CAST AS BLOB: a memcmp) and reads only the
 * texts that changed. Reading a megabyte of spec into JS (decoding it to a string) was a fifth
 * of versions.create. Content-checked, so never stale. A small LRU: a project's four documents
 * may weigh 4 MiB (1 MiB each at most), so at most 32 MiB in all.
 */
const lastDocuments = new Map<string, Partial<Record<DocumentKey, DocumentSeen>>>();
const LAST_DOCUMENTS_SIZE = 8;
interface DocumentSeen {
  bytes: Buffer;
  blob: PreparedBlob;
}

/** Each document's column name in ProjectStates. */
const documentColumn = Object.fromEntries(
  DOCUMENTS.map((doc) => [doc.key, projectStates[doc.projectColumn].name]),
) as Record<DocumentKey, string>;

/** Per document: whether the column still holds `@<key>` (both null counts as the same). */
const sameDocuments = preparedPerShape(
  () => 'same',
  (db) =>
    db.$client
      .prepare<Record<string, Buffer | string | null>>(
        `SELECT ${DOCUMENTS.map((doc) => `CAST("${documentColumn[doc.key]}" AS BLOB) IS @${doc.key}`).join(', ')}
         FROM "ProjectStates" WHERE "Id" = @id`,
      )
      .raw(true),
);

const documentText = preparedPerShape(
  (key: DocumentKey) => key,
  (db, key: DocumentKey) =>
    db.$client
      .prepare<[string]>(`SELECT "${documentColumn[key]}" FROM "ProjectStates" WHERE "Id" = ?`)
      .pluck(),
);

/** The project's current spec documents prepared for storage, reading only what changed. */
function prepareProjectDocuments(
  db: AuraDb,
  projectId: string,
): Record<DocumentKey, PreparedBlob | null> {
  const seen = lastDocuments.get(projectId);
  const params: Record<string, Buffer | string | null> = { id: projectId };
  for (const doc of DOCUMENTS) params[doc.key] = seen?.[doc.key]?.bytes ?? null;
  const same = sameDocuments(db, null).get(params) as (0 | 1 | null)[] | undefined;
  if (!same) throw new Error(`Project ${projectId} vanished inside its transaction`);
  const documents = {} as Record<DocumentKey, PreparedBlob | null>;
  const next: Partial<Record<DocumentKey, DocumentSeen>> = {};
  DOCUMENTS.forEach((doc, i) => {
    const known = seen?.[doc.key];
    if (same[i] === 1) {
      // Unchanged since the last snapshot, or null then and now.
      documents[doc.key] = known?.blob ?? null;
      if (known) next[doc.key] = known;
      return;
    }
    const text = documentText(db, doc.key).get(projectId) as string | null;
    if (text === null) {
      documents[doc.key] = null;
      return;
    }
    const blob = prepareDocument(doc.contentType, text);
    documents[doc.key] = blob;
    next[doc.key] = { bytes: Buffer.from(text), blob };
  });
  remember(lastDocuments, projectId, next, LAST_DOCUMENTS_SIZE);
  return documents;
}

/** The project's current state prepared for storage, straight from its stored spec texts. */
export function prepareProjectSnapshot(db: AuraDb, projectId: string): PreparedSnapshot {
  return { documents: prepareProjectDocuments(db, projectId), ...prepareScenes(db, projectId) };
}

/**
 * Each scene of a project in order: its id, and the fields a version keeps as one JSON array
 * written by SQLite, the key of the scene blob cache. Reading two hundred rows into objects and
 * serialising each in JS cost four times as much. quote() writes a REAL exactly (json_array
 * rounds it to 15 digits), so equal keys mean equal content.
 */
const sceneFieldsStatement = preparedPerShape(
  () => 'fields',
  (db) =>
    db.$client
      .prepare<[string]>(
        `SELECT "Id", json_array("Id", "ScriptText", quote("DurationSeconds"), "AudioFilePath", "ImageFilePath", "IsCompleted")
         FROM "SceneStates" WHERE "ProjectId" = ? ORDER BY "SceneIndex", "Id"`,
      )
      .raw(true),
);

/** A scene's content from its fields' key (as projectScenes(...).map(sceneContent) reads it). */
function sceneFromFields(fields: string): SceneContent {
  const [id, scriptText, duration, audioFilePath, imageFilePath, isCompleted] = JSON.parse(
    fields,
  ) as [string, string, string, string | null, string | null, number];
  return {
    id,
    scriptText,
    durationSeconds: Number(duration),
    audioFilePath,
    imageFilePath,
    isCompleted: isCompleted === 1,
  };
}

/**
 * Scene blobs by their fields' key: between two versions most scenes are unchanged, and looking
 * one up is far cheaper than canonicalising and hashing it. A bounded LRU (about two
 * hundred-scene projects' worth per entry kept); content-keyed, so a hit is always right.
 */
const sceneBlobCache = new Map<string, SceneSeen>();
const SCENE_CACHE_SIZE = 4_096;
/**
 * A hit reuses the key string and the timeline entry it was first stored with: re-keying the LRU
 * with the strings just read kept two hundred new strings a version alive past the young
 * generation (the LRU and the remembered timelines hold them), and copying them made every
 * scavenge (one in ~25 versions) take milliseconds. Timeline entries are never mutated.
 */
interface SceneSeen {
  fields: string;
  entry: [id: string, hash: string];
  blob: PreparedBlob;
}

function prepareScenes(db: AuraDb, projectId: string): Omit<PreparedSnapshot, 'documents'> {
  const rows = sceneFieldsStatement(db, null).all(projectId) as [string, string][];
  const sceneBlobs: PreparedBlob[] = [];
  const entries: TimelineEntries = [];
  for (const [id, fields] of rows) {
    let seen = sceneBlobCache.get(fields);
    if (!seen) {
      const blob = prepareBlob('Scene', sceneFromFields(fields));
      seen = { fields, entry: [id, blob.hash], blob };
    }
    remember(sceneBlobCache, seen.fields, seen, SCENE_CACHE_SIZE);
    sceneBlobs.push(seen.blob);
    entries.push(seen.entry);
  }
  return { sceneBlobs, entries };
}

type VersionRow = typeof projectVersions.$inferSelect;

/** Document hashes of a version row, by document. */
export function documentHashes(version: VersionRow): Record<DocumentKey, string | null> {
  const out = {} as Record<DocumentKey, string | null>;
  for (const doc of DOCUMENTS) out[doc.key] = version[doc.hashColumn];
  return out;
}

/**
 * Every blob a version needs to be read back (its closure): its documents, its timeline chain
 * and its scenes. A version holds exactly one reference on each.
 */
export function versionClosure(db: AuraDb, version: VersionRow, cache?: BlobCache): Set<string> {
  const closure = new Set<string>();
  for (const hash of Object.values(documentHashes(version))) if (hash) closure.add(hash);
  if (version.timelineHash) {
    const timeline = decodeTimeline(db, version.timelineHash, cache);
    for (const hash of timeline.chain) closure.add(hash);
    for (const [, sceneHash] of timeline.entries) closure.add(sceneHash);
  }
  return closure;
}

/** Reads a version's content back from its blobs. */
export function versionContent(db: AuraDb, version: VersionRow): VersionContent {
  const hashes = documentHashes(version);
  const timeline = version.timelineHash ? decodeTimeline(db, version.timelineHash) : null;
  const blobs = readBlobs(db, [
    ...(Object.values(hashes).filter(Boolean) as string[]),
    ...(timeline?.entries.map(([, h]) => h) ?? []),
  ]);
  const text = (hash: string): string => {
    const found = blobs.get(hash);
    if (found === undefined) throw new Error(`Content blob ${hash} is missing`);
    return found;
  };
  const content: VersionContent = {
    brief: null,
    plan: null,
    voice: null,
    render: null,
    scenes: [],
  };
  for (const doc of DOCUMENTS) {
    const hash = hashes[doc.key];
    content[doc.key] = hash ? parseJson(text(hash)) : null;
  }
  content.scenes = (timeline?.entries ?? []).map(([, h]) =>
    sceneContentSchema.parse(JSON.parse(text(h))),
  );
  return content;
}
