/**
 * Inputs for the fuzz, generated from each procedure's own Zod schema: `z.toJSONSchema` gives a
 * plain description, turned here into fast-check arbitraries that mix values the schema accepts
 * (real ids of the fixture world, so calls reach the services) with hostile ones (huge and odd
 * strings, paths into the data directory, broken cursors, extreme numbers, deep objects).
 */
import fc from 'fast-check';
import path from 'node:path';
import { z } from 'zod';

interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  pattern?: string;
}

/** What the generators may use from the fixture world. */
export interface FuzzContext {
  /** Ids of existing rows by kind: projects, scenes, versions, users, tokens, ... */
  ids: Record<string, string[]>;
  /** Files and folders inside the media roots. */
  mediaPaths: string[];
  /** The service's own files and folders: database, -wal, key file, backups, data dir. */
  servicePaths: string[];
  configKeys: string[];
}

/** Largest hostile string: big enough to find missing limits, small enough to keep memory flat. */
const HUGE = 100_000;

function hostileStrings(context: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'a\u0000b',
      '../../../../etc/passwd',
      '..',
      '../',
      './',
      '/',
      '/etc/passwd',
      '/proc/self/mem',
      'C:\\Windows\\system32',
      '%E0%A4%A',
      '%00',
      "'; DROP TABLE ProjectStates; --",
      '"',
      '\\',
      '{}',
      '[]',
      'null',
      'NaN',
      '-1',
      '1e309',
      '00000000-0000-0000-0000-000000000000',
      '0195f6c2-zzzz-7000-8000-000000000000',
      'not-a-uuid',
      'eyJ0IjoiMjAyNi0wMS0wMSJ9', // base64 of a JSON object: a cursor of the wrong shape
      'eyJ',
      '!!!!',
      '\u202e\u0301\ud83d\ude00',
      '\ud800', // a lone surrogate
      '\uffff\ufffe',
      '<script>alert(1)</script>',
      'x'.repeat(5_000),
    ),
    fc.constantFrom(...context.servicePaths),
    fc.constantFrom(...context.servicePaths).map((p) => `${p}/../${path.basename(p)}`),
    fc.constantFrom(...context.mediaPaths).map((p) => `${p}/../../${path.basename(p)}`),
    fc.constantFrom(...allIds(context)).map((id) => `${id}\u0000`),
    fc
      .tuple(fc.integer({ min: 1_000, max: HUGE }), fc.constantFrom('a', 'é', '\u0000', '/', '😀'))
      .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length))),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.base64String({ maxLength: 60 }),
  );
}

const hostileNumbers = fc.constantFrom(
  -1,
  0,
  -0,
  0.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  2 ** 31,
  2 ** 63,
);

/** Anything at all, including what JSON cannot carry (an in-process caller passes dates, bigints and undefined through). */
function hostileValues(context: FuzzContext): fc.Arbitrary<unknown> {
  const deep = fc.integer({ min: 50, max: 2_000 }).map((depth) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { nested: value };
    return value;
  });
  return fc.oneof(
    hostileStrings(context),
    hostileNumbers,
    fc.constantFrom(null, undefined, true, false, [], {}, new Date(Number.NaN), 10n ** 30n),
    deep,
    fc.array(fc.constant('x'), { minLength: 10_001, maxLength: 10_050 }),
    fc.anything({ maxDepth: 3, maxKeys: 5 }),
    fc.constant({ __proto__: { polluted: true }, constructor: { prototype: { polluted: true } } }),
  );
}

const allIds = (context: FuzzContext) => Object.values(context.ids).flat();

const ID_NAME = /(^id$|Id$|Ids$)/;

/** The kind of row an id field names: `projectId` a project, a bare `id` the procedure's own. */
function idKind(field: string, domain: string): string {
  if (field === 'id' || field === '') return domain;
  const stem = field
    .replace(/Ids?$/, '')
    .replace(/^(from|to)/, '')
    .toLowerCase();
  return `${stem}s`;
}
const PATH_NAME = /(Path|File|Directory)$/;

function validString(
  name: string,
  schema: JsonSchema,
  context: FuzzContext,
  domain: string,
): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 60, 60);
  const plain = fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((date) => date.toISOString());
  }
  if (name === 'key')
    return fc.oneof(
      fc.constantFrom(...context.configKeys),
      fc.stringMatching(/^[A-Za-z][A-Za-z.]{0,30}$/),
    );
  if (schema.pattern && !schema.format) {
    return fc
      .stringMatching(new RegExp(schema.pattern), { size: 'xsmall' })
      .filter((text) => text.length >= minLength && text.length <= (schema.maxLength ?? Infinity));
  }
  if (ID_NAME.test(name) || (name === 'id' && domain)) {
    const own = context.ids[idKind(name, domain)] ?? [];
    return fc.oneof(
      { arbitrary: own.length ? fc.constantFrom(...own) : plain, weight: 4 },
      { arbitrary: fc.constantFrom(...allIds(context)), weight: 1 },
      { arbitrary: plain, weight: 1 },
    );
  }
  if (PATH_NAME.test(name)) return fc.oneof(fc.constantFrom(...context.mediaPaths), plain);
  if (name === 'email') {
    return fc.oneof(
      fc.constantFrom('viewer@adversarial.test', 'editor@adversarial.test'),
      fc.emailAddress(),
    );
  }
  return plain;
}

function validNumber(schema: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const low = schema.minimum ?? schema.exclusiveMinimum ?? -1_000;
  const high = schema.maximum ?? schema.exclusiveMaximum ?? 1_000;
  const min = Math.max(low, -Number.MAX_SAFE_INTEGER);
  const max = Math.min(high, Number.MAX_SAFE_INTEGER);
  // Small values matter most (row versions, steps, limits): bias towards them.
  const smallest = Math.max(Math.ceil(min), 0);
  const small = fc.integer({
    min: smallest,
    max: Math.max(smallest, Math.min(Math.floor(max), smallest + 5)),
  });
  const whole = fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
  if (integer) return fc.oneof({ arbitrary: small, weight: 3 }, { arbitrary: whole, weight: 1 });
  return fc.oneof(small, fc.double({ min, max, noNaN: true, noDefaultInfinity: true }));
}

/** How often a node is replaced by a hostile value: 1 in 13. */
const HOSTILE_WEIGHT = 1;
const VALID_WEIGHT = 12;

/** An arbitrary for the JSON schema of one procedure input. */
export function arbitraryFromSchema(
  root: JsonSchema,
  context: FuzzContext,
  /** The kind of row a bare `id` names (`scenes` for scenes.update). */
  domain = '',
): fc.Arbitrary<unknown> {
  const hostile = hostileValues(context);
  const defs = root.$defs ?? {};

  /** The schema's shape; with `hostileNodes`, any value may be replaced by a hostile one. */
  function make(hostileNodes: boolean): fc.Arbitrary<unknown> {
    function build(schema: JsonSchema, name: string, depth: number): fc.Arbitrary<unknown> {
      const valid = buildValid(schema, name, depth);
      if (!hostileNodes) return valid;
      return fc.oneof(
        { arbitrary: valid, weight: VALID_WEIGHT },
        { arbitrary: hostile, weight: HOSTILE_WEIGHT },
      );
    }

    function buildValid(schema: JsonSchema, name: string, depth: number): fc.Arbitrary<unknown> {
      if (schema.$ref) {
        const target = defs[schema.$ref.replace('#/$defs/', '')];
        if (!target || depth > 4) return fc.jsonValue({ maxDepth: 1 });
        return buildValid(target, name, depth + 1);
      }
      if (schema.const !== undefined) return fc.constant(schema.const);
      if (schema.enum) return fc.constantFrom(...schema.enum);
      const branches = schema.anyOf ?? schema.oneOf;
      if (branches)
        return fc.oneof(...branches.map((branch) => buildValid(branch, name, depth + 1)));
      if (schema.allOf?.[0]) return buildValid(schema.allOf[0], name, depth + 1);
      const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
      switch (type) {
        case 'string':
          return validString(name, schema, context, domain);
        case 'integer':
          return validNumber(schema, true);
        case 'number':
          return validNumber(schema, false);
        case 'boolean':
          return fc.boolean();
        case 'null':
          return fc.constant(null);
        case 'array':
          return fc.array(schema.items ? build(schema.items, name, depth + 1) : fc.jsonValue(), {
            minLength: schema.minItems ?? 0,
            maxLength: Math.min(schema.maxItems ?? 4, Math.max(schema.minItems ?? 0, 4)),
          });
        case 'object': {
          const properties = schema.properties ?? {};
          const required = schema.required ?? [];
          const shaped = fc.record(
            Object.fromEntries(
              Object.entries(properties).map(([key, value]) => [key, build(value, key, depth + 1)]),
            ),
            { requiredKeys: required.filter((key) => key in properties) },
          );
          const extra = schema.additionalProperties;
          if (extra && typeof extra === 'object' && depth < 4) {
            const dictionary = fc.dictionary(
              fc.string({ maxLength: 20 }),
              build(extra, name, depth + 1),
              {
                maxKeys: 4,
              },
            );
            return fc.tuple(shaped, dictionary).map(([a, b]) => ({ ...b, ...a }));
          }
          return shaped;
        }
        default:
          // `{}`: any value (config.set's value, a spec refined in code): mostly JSON objects.
          return fc.oneof(
            {
              arbitrary: fc.dictionary(
                fc.string({ maxLength: 10 }),
                fc.jsonValue({ maxDepth: 2 }),
                { maxKeys: 4 },
              ),
              weight: 3,
            },
            { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
          );
      }
    }

    return buildValid(root, '', 0);
  }

  // Clean inputs reach the services; mixed ones probe each field; wholly hostile ones the parser.
  return fc.oneof(
    { arbitrary: make(false), weight: 4 },
    { arbitrary: make(true), weight: 4 },
    { arbitrary: hostile, weight: 1 },
  );
}

/** The JSON schema of a procedure's first input parser, or null when it takes none. */
export function inputSchema(inputs: unknown[]): JsonSchema | null {
  const parser = inputs[0];
  if (!parser) return null;
  return z.toJSONSchema(parser as z.ZodType, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
}
