import type { JsonValue } from './content';
import { DOCUMENTS, type DocumentKey, type SceneContent, type VersionContent } from './snapshot';

/** One difference between two JSON values, at a JSON-Pointer path ('' is the whole value). */
export interface JsonChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  old?: JsonValue;
  new?: JsonValue;
}

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural diff: objects by key, arrays by position, everything else by value. */
export function jsonDiff(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  path = '',
): JsonChange[] {
  if (before === undefined && after === undefined) return [];
  if (before === undefined) return [{ path, kind: 'added', new: after }];
  if (after === undefined) return [{ path, kind: 'removed', old: before }];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => jsonDiff(before[k], after[k], `${path}/${escape(k)}`));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const n = Math.max(before.length, after.length);
    const changes: JsonChange[] = [];
    for (let i = 0; i < n; i++) changes.push(...jsonDiff(before[i], after[i], `${path}/${i}`));
    return changes;
  }
  return JSON.stringify(before) === JSON.stringify(after)
    ? []
    : [{ path, kind: 'changed', old: before, new: after }];
}

/** A scene on one side of a side-by-side view: its position on that side and its content. */
export interface SceneSide {
  index: number;
  scene: SceneContent;
}

/**
 * One line of a side-by-side view: a scene as it was (`before`) and as it is (`after`). A scene
 * only on one side was added or removed; a moved one appears once, where it is now. Removed scenes
 * sit after the scene that preceded them, so the view reads in the new order.
 */
export interface SceneRow {
  id: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  moved: boolean;
  before: SceneSide | null;
  after: SceneSide | null;
}

export interface SceneDiff {
  added: { id: string; index: number; scene: SceneContent }[];
  removed: { id: string; index: number; scene: SceneContent }[];
  changed: { id: string; changes: JsonChange[] }[];
  /** Scenes whose place among the others changed (not those merely shifted by an insert). */
  moved: { id: string; from: number; to: number }[];
  /** Every scene of both sides, aligned for a side-by-side view. */
  rows: SceneRow[];
}

/** Longest common subsequence of two id lists: the scenes that kept their relative order. */
function stableIds(a: string[], b: string[]): Set<string> {
  // lcs(i, j): the LCS length of a[i..] and b[j..], in one flat table.
  const width = b.length + 1;
  const table = new Uint32Array((a.length + 1) * width);
  const lcs = (i: number, j: number) => table[i * width + j] ?? 0;
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      table[i * width + j] =
        a[i] === b[j] ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1));
  const keep = new Set<string>();
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const id = a[i];
    if (id !== undefined && id === b[j]) {
      keep.add(id);
      i++;
      j++;
    } else if (lcs(i + 1, j) >= lcs(i, j + 1)) i++;
    else j++;
  }
  return keep;
}

/** Scenes matched by id: added, removed, changed (field by field) and moved. */
export function diffScenes(before: SceneContent[], after: SceneContent[]): SceneDiff {
  const beforeIndex = new Map(before.map((s, i) => [s.id, i]));
  const afterIndex = new Map(after.map((s, i) => [s.id, i]));
  const common = (list: SceneContent[], other: Map<string, number>) =>
    list.filter((s) => other.has(s.id)).map((s) => s.id);
  const stable = stableIds(common(before, afterIndex), common(after, beforeIndex));
  const diff: SceneDiff = { added: [], removed: [], changed: [], moved: [], rows: [] };
  // Removed scenes by the id of the nearest earlier scene that is still there ('' for none).
  const removedAfter = new Map<string, SceneRow[]>();
  let anchor = '';
  before.forEach((scene, index) => {
    if (afterIndex.has(scene.id)) {
      anchor = scene.id;
      return;
    }
    diff.removed.push({ id: scene.id, index, scene });
    const row: SceneRow = {
      id: scene.id,
      status: 'removed',
      moved: false,
      before: { index, scene },
      after: null,
    };
    removedAfter.set(anchor, [...(removedAfter.get(anchor) ?? []), row]);
  });
  diff.rows.push(...(removedAfter.get('') ?? []));
  after.forEach((scene, index) => {
    const from = beforeIndex.get(scene.id);
    const old = from === undefined ? undefined : before[from];
    if (from === undefined || old === undefined) {
      diff.added.push({ id: scene.id, index, scene });
      diff.rows.push({
        id: scene.id,
        status: 'added',
        moved: false,
        before: null,
        after: { index, scene },
      });
      return;
    }
    const changes = jsonDiff(old, scene);
    if (changes.length > 0) diff.changed.push({ id: scene.id, changes });
    const moved = !stable.has(scene.id);
    if (moved) diff.moved.push({ id: scene.id, from, to: index });
    diff.rows.push({
      id: scene.id,
      status: changes.length > 0 ? 'changed' : 'unchanged',
      moved,
      before: { index: from, scene: old },
      after: { index, scene },
    });
    diff.rows.push(...(removedAfter.get(scene.id) ?? []));
  });
  return diff;
}

export interface ContentDiff {
  documents: Record<DocumentKey, JsonChange[]>;
  scenes: SceneDiff;
  /** Nothing differs at all. */
  identical: boolean;
}

export function diffContent(before: VersionContent, after: VersionContent): ContentDiff {
  const documents = {} as Record<DocumentKey, JsonChange[]>;
  for (const doc of DOCUMENTS)
    documents[doc.key] = jsonDiff(before[doc.key] ?? undefined, after[doc.key] ?? undefined);
  const scenes = diffScenes(before.scenes, after.scenes);
  const identical =
    Object.values(documents).every((c) => c.length === 0) &&
    scenes.added.length + scenes.removed.length + scenes.changed.length + scenes.moved.length === 0;
  return { documents, scenes, identical };
}
