// A TypeScript project outside the workspace: type-checks against the built declarations only.
import { createAuraClient, type RouterInputs, type RouterOutputs } from '@aura/api/client';

const client = createAuraClient({ url: 'http://127.0.0.1:3000/api/trpc', token: 'aura_pat_x' });

export async function typed(): Promise<string[]> {
  const page = await client.projects.list.query({ limit: 5, sort: 'updated' });
  const cursor: string | null = page.nextCursor;
  const health: { status: string } = await client.health.get.query();
  // @ts-expect-error the limit is a number
  await client.projects.list.query({ limit: 'five' });
  const input: RouterInputs['projects']['create'] = { title: 'From a sibling app' };
  const created: RouterOutputs['projects']['create'] = await client.projects.create.mutate(input);
  // @ts-expect-error rowVersion is a number
  const version: string = created.rowVersion;
  return [...page.items.map((item) => item.title), cursor ?? '', health.status, version];
}

/**
 * Every output is plain JSON (no transformer on the wire): the types of every value that JSON
 * cannot carry as it is, found anywhere in any procedure's output; never when there is none.
 */
type Scalar = string | number | boolean | null | undefined;
type NotJson<T, Depth extends unknown[] = []> = Depth['length'] extends 14
  ? never
  : unknown extends T
    ? never
    : T extends Scalar
      ? never
      : // A subscription's output travels as its events: each must be JSON.
        T extends AsyncIterable<infer Event>
        ? NotJson<Event, [...Depth, 1]>
        : T extends
              | Date
              | Map<unknown, unknown>
              | Set<unknown>
              | bigint
              | symbol
              | ((...args: never[]) => unknown)
          ? T
          : T extends readonly (infer Item)[]
            ? undefined extends Item
              ? T
              : NotJson<Item, [...Depth, 1]>
            : { [K in keyof T]-?: NotJson<T[K], [...Depth, 1]> }[keyof T];

export const onlyJson: [NotJson<RouterOutputs>] extends [never] ? true : NotJson<RouterOutputs> =
  true;
