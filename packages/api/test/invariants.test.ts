import { insertAudited, projectStates, sceneStates } from '@aura/db';
import { TRPCError } from '@trpc/server';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openTestDb, type Caller, type TestDb } from './helpers';

/**
 * Invariants of optimistic concurrency under undo and redo, as a property: two users interleave
 * updates (with versions they read just now or long ago), reorders, undos and redos on one
 * project and its two scenes. Whatever the interleaving:
 * - every row's RowVersion only grows, and a row whose content changed has a version it never
 *   had before;
 * - a write succeeds exactly when no change of its rows happened since the client read the
 *   version it sends (a version read before another change, including an undo or a redo, is
 *   CONFLICT), and a rejected write or undo changes nothing;
 * - undo and redo end in success, CONFLICT (that action is set aside) or NOT_FOUND; nothing else.
 */

type RowName = 'P' | 'S0' | 'S1';
const ROWS: RowName[] = ['P', 'S0', 'S1'];
type User = 0 | 1;

type Command =
  | { kind: 'read'; user: User; row: RowName }
  | { kind: 'update'; user: User; row: RowName; fresh: boolean }
  | { kind: 'reorder'; user: User; fresh: boolean }
  | { kind: 'undo' | 'redo'; user: User };

const user = fc.constantFrom<User>(0, 1);
const row = fc.constantFrom(...ROWS);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), user, row }),
  fc.record({ kind: fc.constant('update' as const), user, row, fresh: fc.boolean() }),
  fc.record({ kind: fc.constant('reorder' as const), user, fresh: fc.boolean() }),
  fc.record({ kind: fc.constantFrom('undo' as const, 'redo' as const), user }),
  // Undo and redo twice as often: long chains of them are where versions used to go back.
  fc.record({ kind: fc.constantFrom('undo' as const, 'redo' as const), user }),
);

interface RowState {
  version: number;
  content: string;
}

/** A project and two scenes written directly (no one has an undo stack at the start). */
function world(t: TestDb) {
  const project = insertAudited(t.db, projectStates, { title: 'Shared' }, 'setup');
  const scenes = [0, 1].map((sceneIndex) =>
    insertAudited(
      t.db,
      sceneStates,
      { projectId: project.id, sceneIndex, scriptText: `scene ${sceneIndex}` },
      'setup',
    ),
  );
  const ids: Record<RowName, string> = { P: project.id, S0: scenes[0]!.id, S1: scenes[1]!.id };
  const read = (name: RowName): RowState => {
    if (name === 'P') {
      const p = t.db.select().from(projectStates).where(eq(projectStates.id, ids.P)).get()!;
      return { version: p.rowVersion, content: p.title };
    }
    const s = t.db.select().from(sceneStates).where(eq(sceneStates.id, ids[name])).get()!;
    return { version: s.rowVersion, content: `${s.sceneIndex}:${s.scriptText}` };
  };
  return { project, ids, read };
}

async function outcome(call: Promise<unknown>): Promise<'ok' | TRPCError['code']> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    return (error as TRPCError).code;
  }
}

async function runCommands(commands: Command[]) {
  const t = openTestDb();
  try {
    const { project, ids, read } = world(t);
    const callers: [Caller, Caller] = [t.as('editor'), t.as('admin')];
    // How many times each row changed; what each client last read (version, and the count then).
    const changes: Record<RowName, number> = { P: 0, S0: 0, S1: 0 };
    const highest: Record<RowName, number> = { P: 0, S0: 0, S1: 0 };
    const cache = [0, 1].map(() => new Map<RowName, { version: number; changes: number }>());
    const remember = (u: User, name: RowName) =>
      cache[u]!.set(name, { version: read(name).version, changes: changes[name] });
    for (const u of [0, 1] as const) for (const name of ROWS) remember(u, name);
    for (const name of ROWS) highest[name] = read(name).version;

    let n = 0;
    for (const command of commands) {
      n++;
      const before = Object.fromEntries(ROWS.map((name) => [name, read(name)])) as Record<
        RowName,
        RowState
      >;
      const c = callers[command.user];
      let result: 'ok' | TRPCError['code'] = 'ok';
      // The rows a write sends versions for, and whether it must succeed.
      let expectOk: boolean | null = null;

      if (command.kind === 'read') {
        remember(command.user, command.row);
        continue;
      } else if (command.kind === 'update') {
        if (command.fresh) remember(command.user, command.row);
        const held = cache[command.user]!.get(command.row)!;
        expectOk = held.changes === changes[command.row];
        const text = `u${command.user}-${n}`;
        result = await outcome(
          command.row === 'P'
            ? c.projects.update({ id: ids.P, rowVersion: held.version, title: text })
            : c.scenes.update({ id: ids[command.row], rowVersion: held.version, scriptText: text }),
        );
      } else if (command.kind === 'reorder') {
        if (command.fresh) for (const name of ['S0', 'S1'] as const) remember(command.user, name);
        const held = (['S0', 'S1'] as const).map((name) => ({
          name,
          ...cache[command.user]!.get(name)!,
        }));
        expectOk = held.every((h) => h.changes === changes[h.name]);
        // Swap the two scenes (the current order reversed), with the versions the client holds.
        const order = held
          .map((h) => ({ id: ids[h.name], rowVersion: h.version, index: before[h.name].content }))
          .sort((a, b) => b.index.localeCompare(a.index))
          .map(({ id, rowVersion }) => ({ id, rowVersion }));
        result = await outcome(c.scenes.reorder({ projectId: project.id, scenes: order }));
      } else {
        result = await outcome(c.actions[command.kind]());
        expect(['ok', 'CONFLICT', 'NOT_FOUND'], `${command.kind}: ${result}`).toContain(result);
      }

      if (expectOk !== null)
        expect(result, `step ${n}: ${JSON.stringify(command)}`).toBe(expectOk ? 'ok' : 'CONFLICT');
      for (const name of ROWS) {
        const now = read(name);
        const was = before[name];
        if (result !== 'ok') {
          // A rejected write, undo or redo changes nothing.
          expect(now, `step ${n}: ${name} after a rejected ${command.kind}`).toEqual(was);
          continue;
        }
        if (now.version === was.version) {
          expect(now.content, `step ${n}: ${name} changed without a new RowVersion`).toBe(
            was.content,
          );
          continue;
        }
        expect(now.version, `step ${n}: ${name} RowVersion went back`).toBeGreaterThan(
          highest[name],
        );
        highest[name] = now.version;
        changes[name]++;
      }
    }
  } finally {
    t.close();
  }
}

describe('invariant: RowVersion only grows and no stale write succeeds', () => {
  it('under any interleaving of updates, reorders, undos and redos by two users', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 40 }), runCommands),
      { numRuns: 40 },
    );
  }, 60_000);

  it('the story of the issue: an undo between a read and a write makes the write stale', async () => {
    // A renames, X reads, A undoes, B writes, X writes with what it read: CONFLICT.
    await runCommands([
      { kind: 'update', user: 0, row: 'P', fresh: true },
      { kind: 'read', user: 1, row: 'P' },
      { kind: 'undo', user: 0 },
      { kind: 'update', user: 0, row: 'P', fresh: true },
      { kind: 'update', user: 1, row: 'P', fresh: false },
    ]);
  });
});
