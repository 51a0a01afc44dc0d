import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appRouter } from '../src/root';
import {
  boundedJson,
  boundedJsonRegistry,
  DESCRIPTION_MAX,
  JSON_DOCUMENT_MAX_BYTES,
  JSON_MAX_DEPTH,
  jsonSizeWithin,
} from '../src/limits';
import { openTestDb, rejectionHelpers, type TestDb } from './helpers';

type Schema = z.core.$ZodType;

/**
 * Every string, array and JSON value reachable in `schema` that has no maximum, by path. A string
 * or array needs `.max()` (a UUID's format bounds it too); a JSON value or `unknown` must come from
 * `boundedJson`. Pipes are judged by what they accept (their input side).
 */
function unboundedFields(
  schema: Schema,
  path: string,
  found: string[],
  seen = new Set<Schema>(),
): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  if (boundedJsonRegistry.has(schema)) return;
  const def = schema._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
  const bag = schema._zod.bag as { maximum?: number; format?: string };
  const walk = (child: unknown, suffix = ''): void =>
    unboundedFields(child as Schema, path + suffix, found, seen);
  switch (def.type) {
    case 'string':
      if (bag.maximum === undefined && bag.format !== 'uuid') found.push(`${path}: string`);
      return;
    case 'array':
      if (bag.maximum === undefined) found.push(`${path}: array`);
      return walk(def.element, '[]');
    case 'object':
      for (const [key, child] of Object.entries(def.shape as Record<string, Schema>))
        walk(child, `.${key}`);
      if (def.catchall && (def.catchall as Schema)._zod.def.type !== 'never')
        found.push(`${path}: open object`);
      return;
    case 'record':
      walk(def.keyType, '{key}');
      return walk(def.valueType, '{value}');
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return walk(def.innerType);
    case 'pipe':
      return walk(def.in);
    case 'union':
      return (def.options as Schema[]).forEach((option) => walk(option));
    case 'intersection':
      walk(def.left);
      return walk(def.right);
    case 'tuple':
      return (def.items as Schema[]).forEach((item, i) => walk(item, `[${i}]`));
    case 'lazy':
    case 'unknown':
    case 'any':
    case 'custom':
      found.push(`${path}: ${def.type}`);
      return;
    default:
      // number, boolean, enum, literal, null, undefined, date, transform: bounded by type.
      return;
  }
}

const procedures = Object.entries(
  (appRouter._def as unknown as { procedures: Record<string, { _def: { inputs: Schema[] } }> })
    .procedures,
);

describe('every procedure input is bounded', () => {
  it('finds the procedures', () => {
    expect(procedures.length).toBeGreaterThan(80);
  });

  it.each(procedures.map(([name, procedure]) => [name, procedure._def.inputs] as const))(
    '%s',
    (name, inputs) => {
      const found: string[] = [];
      inputs.forEach((input) => unboundedFields(input, name, found));
      expect(found).toEqual([]);
    },
  );

  it('the walker itself sees an unbounded field', () => {
    const found: string[] = [];
    unboundedFields(
      z.object({
        a: z.string().max(3),
        b: z.string().trim().optional(),
        c: z.array(z.uuid()),
        d: z.json(),
        e: boundedJson(10),
        f: z.record(z.string().max(5), z.string().max(5)).nullish(),
      }),
      'x',
      found,
    );
    expect(found).toEqual(['x.b: string', 'x.c: array', 'x.d: lazy']);
  });
});

describe('JSON size', () => {
  it('is the UTF-8 length of JSON.stringify, without building it', () => {
    const samples: unknown[] = [
      null,
      true,
      false,
      -3.25e21,
      'quote " backslash \\ newline \n bell \u0007 é € 😀',
      'lone surrogates \ud800 x \udc00',
      [],
      {},
      [1, [2, { a: null }]],
      { 'k"ey': ['x', 2, { y: false }], z: 'é' },
    ];
    for (const sample of samples)
      expect(jsonSizeWithin(sample, 1e9)).toBe(Buffer.byteLength(JSON.stringify(sample), 'utf8'));
  });

  it('stops past the limit or the depth limit', () => {
    expect(jsonSizeWithin({ a: 'x'.repeat(100) }, 50)).toBe(Infinity);
    let deep: unknown = 1;
    for (let i = 0; i <= JSON_MAX_DEPTH; i++) deep = [deep];
    expect(jsonSizeWithin(deep, 1e9)).toBe(Infinity);
  });

  it('leaves values JSON cannot hold to the shape of the field', () => {
    expect(jsonSizeWithin({ a: Number.NaN, b: () => 1, c: undefined }, 1e9)).toBeLessThan(50);
    const json = boundedJson(100);
    expect(json.safeParse({ a: () => 1 }).success).toBe(false);
    expect(json.safeParse([1, Number.POSITIVE_INFINITY]).success).toBe(false);
  });

  it('a bounded JSON field refuses 100,000 levels of nesting without a stack overflow', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(boundedJson(JSON_DOCUMENT_MAX_BYTES).safeParse(deep).success).toBe(false);
  });
});

let t: TestDb;
beforeEach(() => {
  t = openTestDb();
});
afterEach(() => t.close());

/** The file changed at all (any connection's commit moves data_version of another connection). */
function dataVersion(): number {
  return t.db.$client.pragma('data_version', { simple: true }) as number;
}
const { rejects, rejectsField } = rejectionHelpers(() => ({
  projects: t.db.$client.prepare('SELECT * FROM ProjectStates ORDER BY Id').all(),
  actions: t.db.$client.prepare('SELECT count(*) AS n FROM ActionLogs').get(),
}));

const THIRTY_MB = 'x'.repeat(30 * 1024 * 1024);

describe('over a limit: BAD_REQUEST naming the field, nothing written', () => {
  it('a 30 MB description', async () => {
    const project = await t.caller.projects.create({ title: 'Small' });
    const before = dataVersion();
    await rejectsField(
      () => t.caller.projects.create({ title: 'Huge', description: THIRTY_MB }),
      'description',
    );
    await rejectsField(
      () =>
        t.caller.projects.update({
          id: project.id,
          rowVersion: project.rowVersion,
          description: THIRTY_MB,
        }),
      'description',
    );
    expect(dataVersion()).toBe(before);
  });

  it('names the limit; the largest allowed description is accepted', async () => {
    const error = await rejects(
      () => t.caller.projects.create({ title: 'x', description: 'd'.repeat(DESCRIPTION_MAX + 1) }),
      'BAD_REQUEST',
    );
    expect(error.message).toContain(String(DESCRIPTION_MAX));
    const ok = await t.caller.projects.create({
      title: 'x',
      description: 'd'.repeat(DESCRIPTION_MAX),
    });
    expect(ok.description).toHaveLength(DESCRIPTION_MAX);
  });

  it('a spec over 1 MiB of JSON', async () => {
    const spec = { notes: 'n'.repeat(JSON_DOCUMENT_MAX_BYTES) };
    await rejectsField(() => t.caller.projects.create({ title: 'x', brief: spec }), 'brief');
    const error = await rejects(
      () => t.caller.projects.create({ title: 'x', planSpec: spec }),
      'BAD_REQUEST',
    );
    expect(error.message).toContain(String(JSON_DOCUMENT_MAX_BYTES));
  });

  it('an id that is not a UUID is BAD_REQUEST, not NOT_FOUND', async () => {
    await rejectsField(() => t.caller.projects.get({ id: 'missing' }), 'id');
    await rejectsField(() => t.caller.projects.get({ id: THIRTY_MB }), 'id');
    await rejectsField(
      () => t.caller.scenes.add({ projectId: "1' OR 1=1 --", scriptText: 'x' }),
      'projectId',
    );
    await rejects(
      () => t.caller.projects.get({ id: '0190f5e4-0000-7000-8000-000000000000' }),
      'NOT_FOUND',
    );
  });

  it('a password is bounded before it is hashed', async () => {
    await rejectsField(
      () => t.anonymous.auth.login({ email: 'editor@test.local', password: THIRTY_MB }),
      'password',
    );
  });
});
