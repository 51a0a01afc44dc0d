import type { AuraDb, SearchKind } from '@aura/db';
import type { SearchGlobalQuery } from './schema';
import {
  FOLD_FUNCTION,
  ensureSearchFunctions,
  foldText,
  ftsAllOf,
  searchWords,
  snippetSegments,
  type TextSegment,
} from './text';

/** One hit of the global search. */
export interface SearchHit {
  kind: SearchKind;
  /** The hit's own id: a project's, a scene's, a template's or a custom template's. */
  id: string;
  /** The project a project or scene hit opens; null for templates. */
  projectId: string | null;
  /** The scene a scene hit opens at; null otherwise. */
  sceneId: string | null;
  title: string;
  /** The title with its matches marked. */
  titleSegments: TextSegment[];
  /** A piece of the matching text around its first match, matches marked (plain text). */
  snippet: TextSegment[];
  /** bm25 relevance (lower is better); 0 for the scan of terms too short for the index. */
  score: number;
}

export interface SearchResult {
  items: SearchHit[];
  /** The words searched for (all of them occur in each hit). */
  words: string[];
  /**
   * False when every word was shorter than three characters: the index cannot look such a term
   * up, so projects and templates were scanned (newest first) and scenes were not searched.
   */
  indexed: boolean;
}

/**
 * How many of the newest matches of each kind are ranked: a very common term ranks the most
 * recently written RANK_WINDOW matches (an update re-indexes a row under a new, higher rowid)
 * instead of reading every match, which for scene text at scale would cost tens of ms.
 */
export const RANK_WINDOW = 200;

interface Statement {
  all(...params: unknown[]): unknown[];
}

const statementCache = new WeakMap<AuraDb, Map<string, Statement>>();

function statement(db: AuraDb, source: string): Statement {
  let cache = statementCache.get(db);
  if (!cache) statementCache.set(db, (cache = new Map<string, Statement>()));
  let prepared = cache.get(source);
  if (!prepared) cache.set(source, (prepared = db.$client.prepare<unknown[]>(source)));
  return prepared;
}

// bm25 column weights: a match in a title or name counts most, then tags, then descriptions.
const PROJECT_HITS = `
  SELECT p.Id AS id, p.Title AS title, p.Description AS body, m.score AS score
  FROM (SELECT rowid AS docId, bm25(ProjectSearch, 10.0, 1.0) AS score FROM ProjectSearch
        WHERE ProjectSearch MATCH ? ORDER BY rowid DESC LIMIT ${RANK_WINDOW}) m
  JOIN SearchKeys k ON k.DocId = m.docId
  JOIN ProjectStates p ON p.Id = k.ItemId AND p.IsDeleted = 0
  ORDER BY m.score, p.Id LIMIT ?`;

// A scene of a soft-deleted project is indexed but not found: the project filter is here.
const SCENE_HITS = `
  SELECT s.Id AS id, s.ProjectId AS projectId, s.SceneIndex AS sceneIndex, p.Title AS title,
         s.ScriptText AS body, m.score AS score
  FROM (SELECT rowid AS docId, bm25(SceneSearch, 0.0, 1.0) AS score FROM SceneSearch
        WHERE SceneSearch MATCH ? ORDER BY rowid DESC LIMIT ${RANK_WINDOW}) m
  JOIN SearchKeys k ON k.DocId = m.docId
  JOIN SceneStates s ON s.Id = k.ItemId
  JOIN ProjectStates p ON p.Id = s.ProjectId AND p.IsDeleted = 0
  ORDER BY m.score, s.Id LIMIT ?`;

const TEMPLATE_HITS = `
  SELECT k.Kind AS kind, k.ItemId AS id, coalesce(t.Name, c.Name) AS title,
         coalesce(t.Description, c.Description) AS body, coalesce(t.Tags, c.Tags) AS tags,
         m.score AS score
  FROM (SELECT rowid AS docId, bm25(TemplateSearch, 10.0, 1.0, 3.0) AS score FROM TemplateSearch
        WHERE TemplateSearch MATCH ? ORDER BY rowid DESC LIMIT ${RANK_WINDOW}) m
  JOIN SearchKeys k ON k.DocId = m.docId
  LEFT JOIN Templates t ON k.Kind = 'template' AND t.Id = k.ItemId
  LEFT JOIN CustomTemplates c ON k.Kind = 'customTemplate' AND c.Id = k.ItemId AND c.IsDeleted = 0
  WHERE t.Id IS NOT NULL OR c.Id IS NOT NULL
  ORDER BY m.score, k.ItemId LIMIT ?`;

// Terms too short for the trigram index: the ordered scans, stopping at the limit.
const fold = (column: string) => `instr(${FOLD_FUNCTION}(${column}), ?) > 0`;
const PROJECT_SCAN = `
  SELECT Id AS id, Title AS title, Description AS body, 0 AS score FROM ProjectStates
  WHERE IsDeleted = 0 AND (${fold('Title')} OR ${fold('Description')})
  ORDER BY UpdatedAt DESC, Id DESC LIMIT ?`;
const TEMPLATE_SCAN = `
  SELECT 'template' AS kind, Id AS id, Name AS title, Description AS body, Tags AS tags, 0 AS score
  FROM Templates WHERE ${fold('Name')} OR ${fold('Description')} OR ${fold('Tags')}
  ORDER BY Category, Name, Id LIMIT ?`;
const CUSTOM_TEMPLATE_SCAN = `
  SELECT 'customTemplate' AS kind, Id AS id, Name AS title, Description AS body, Tags AS tags,
         0 AS score
  FROM CustomTemplates
  WHERE IsDeleted = 0 AND (${fold('Name')} OR ${fold('Description')} OR ${fold('Tags')})
  ORDER BY CreatedAt DESC, Id DESC LIMIT ?`;

interface ProjectRow {
  id: string;
  title: string;
  body: string | null;
  score: number;
}
interface SceneRow {
  id: string;
  projectId: string;
  sceneIndex: number;
  title: string;
  body: string;
  score: number;
}
interface TemplateRow {
  kind: 'template' | 'customTemplate';
  id: string;
  title: string;
  body: string;
  tags: string;
  score: number;
}

/** The snippet of the first field holding a match (else the first field's start). */
function snippetOf(fields: (string | null)[], words: string[]): TextSegment[] {
  const present = fields.filter((f): f is string => f !== null && f.length > 0);
  for (const field of present) {
    const segments = snippetSegments(field, words);
    if (segments.some((s) => s.match)) return segments;
  }
  return present[0] ? snippetSegments(present[0], words) : [];
}

function projectHit(row: ProjectRow, words: string[]): SearchHit {
  return {
    kind: 'project',
    id: row.id,
    projectId: row.id,
    sceneId: null,
    title: row.title,
    titleSegments: snippetSegments(row.title, words, true),
    snippet: snippetOf([row.body], words),
    score: row.score,
  };
}

function sceneHit(row: SceneRow, words: string[]): SearchHit {
  const title = `${row.title} · scene ${row.sceneIndex + 1}`;
  return {
    kind: 'scene',
    id: row.id,
    projectId: row.projectId,
    sceneId: row.id,
    title,
    titleSegments: snippetSegments(title, words, true),
    snippet: snippetOf([row.body], words),
    score: row.score,
  };
}

function templateHit(row: TemplateRow, words: string[]): SearchHit {
  return {
    kind: row.kind,
    id: row.id,
    projectId: null,
    sceneId: null,
    title: row.title,
    titleSegments: snippetSegments(row.title, words, true),
    snippet: snippetOf([row.body, row.tags], words),
    score: row.score,
  };
}

/**
 * search.global: projects, scenes (of live projects), templates and custom templates matching
 * every word, best first (bm25 across the kinds), each with its title and a snippet as plain-text
 * segments. Every signed-in role sees all of them, as in their lists.
 */
export function searchEverything(db: AuraDb, query: SearchGlobalQuery): SearchResult {
  const { words, indexed } = searchWords(query.q);
  if (words.length === 0) return { items: [], words, indexed: true };
  const limit = query.limit;
  if (indexed) {
    const match = ftsAllOf(words);
    const hits = [
      ...(statement(db, PROJECT_HITS).all(match, limit) as ProjectRow[]).map((r) =>
        projectHit(r, words),
      ),
      ...(statement(db, SCENE_HITS).all(match, limit) as SceneRow[]).map((r) => sceneHit(r, words)),
      ...(statement(db, TEMPLATE_HITS).all(match, limit) as TemplateRow[]).map((r) =>
        templateHit(r, words),
      ),
    ];
    // A stable order: by relevance, then kind and id.
    hits.sort(
      (a, b) => a.score - b.score || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id),
    );
    return { items: hits.slice(0, limit), words, indexed };
  }
  ensureSearchFunctions(db);
  const folded = foldText(words[0] ?? '');
  const hits = [
    ...(statement(db, PROJECT_SCAN).all(folded, folded, limit) as ProjectRow[]).map((r) =>
      projectHit(r, words),
    ),
    ...(statement(db, TEMPLATE_SCAN).all(folded, folded, folded, limit) as TemplateRow[]).map((r) =>
      templateHit(r, words),
    ),
    ...(
      statement(db, CUSTOM_TEMPLATE_SCAN).all(folded, folded, folded, limit) as TemplateRow[]
    ).map((r) => templateHit(r, words)),
  ];
  return { items: hits.slice(0, limit), words, indexed };
}
