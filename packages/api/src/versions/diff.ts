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

export interface SceneDiff {
  added: { id: string; index: number; scene: SceneContent }[];
  removed: { id: string; index: number; scene: SceneContent }[];
  changed: { id: string; changes: JsonChange[] }[];
  /** Scenes whose place among the others changed (not those merely shifted by an insert). */
  moved: { id: string; from: number; to: number }[];
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
  const diff: SceneDiff = { added: [], removed: [], changed: [], moved: [] };
  after.forEach((scene, index) => {
    const from = beforeIndex.get(scene.id);
    if (from === undefined) {
      diff.added.push({ id: scene.id, index, scene });
      return;
    }
    const changes = jsonDiff(before[from], scene);
    if (changes.length > 0) diff.changed.push({ id: scene.id, changes });
    if (!stable.has(scene.id)) diff.moved.push({ id: scene.id, from, to: index });
  });
  before.forEach((scene, index) => {
    if (!afterIndex.has(scene.id)) diff.removed.push({ id: scene.id, index, scene });
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
