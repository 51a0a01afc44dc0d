import { TRPCError } from '@trpc/server';
import { expect } from 'vitest';
import { ZodError } from 'zod';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  applyMigrations,
  createDb,
  insertAudited,
  openSqlite,
  projectStates,
  type AuraDb,
  type NewProjectState,
} from '@aura/db';
import type { UserRole } from '@aura/db';
import { hashPassword } from '../src/auth/crypto';
import { insertUser, type Principal } from '../src/auth/service';
import { createContext } from '../src/context';
import { createCaller } from '../src/root';

export type Caller = ReturnType<typeof createCaller>;

/** The password of every role's test user; hashed once per file, so users are created synchronously. */
export const TEST_PASSWORD = 'correct horse battery';
export const TEST_PASSWORD_HASH = await hashPassword(TEST_PASSWORD);

export interface TestDb {
  db: AuraDb;
  file: string;
  dir: string;
  /** An editor's caller (reads and writes content). */
  caller: Caller;
  /** A caller signed in with the given role (one user per role, created on first use). */
  as: (role: UserRole) => Caller;
  principal: (role: UserRole) => Principal;
  /** A caller with no credentials. */
  anonymous: Caller;
  close: () => void;
}

/** A fresh database file in a temporary directory, migrated unless `migrate: false`. */
export function openTestDb({ migrate = true }: { migrate?: boolean } = {}): TestDb {
  const dir = mkdtempSync(path.join(tmpdir(), 'aura-api-'));
  const file = path.join(dir, 'aura.db');
  const sqlite = openSqlite(file);
  if (migrate) applyMigrations(sqlite);
  const db = createDb(sqlite);
  const principals = new Map<UserRole, Principal>();
  const principal = (role: UserRole): Principal => {
    let p = principals.get(role);
    if (!p) {
      const user = insertUser(
        db,
        null,
        { email: `${role}@test.local`, displayName: role, role },
        TEST_PASSWORD_HASH,
      );
      p = {
        userId: user.id,
        email: user.email,
        displayName: user.displayName,
        role,
        via: 'session',
      };
      principals.set(role, p);
    }
    return p;
  };
  const as = (role: UserRole) =>
    createCaller(createContext({ db, principal: migrate ? principal(role) : null }));
  return {
    db,
    file,
    dir,
    as,
    principal,
    anonymous: createCaller(createContext({ db })),
    // Lazy, so a test that needs an empty Users table gets one.
    get caller() {
      return as('editor');
    },
    close: () => {
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A well-formed UUID no row has: looking it up is NOT_FOUND (a malformed id is BAD_REQUEST). */
export const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

/** Inserts a project through the audited helper, then pins its timestamps for deterministic order. */
export function insertProject(
  db: AuraDb,
  values: Partial<NewProjectState> & { title: string },
  at?: { createdAt?: string; updatedAt?: string },
) {
  const row = insertAudited(db, projectStates, values, 'tester');
  if (at) {
    if (at.createdAt) row.createdAt = at.createdAt;
    if (at.updatedAt) row.updatedAt = at.updatedAt;
    db.$client
      .prepare(
        'UPDATE ProjectStates SET CreatedAt = coalesce(?, CreatedAt), UpdatedAt = coalesce(?, UpdatedAt) WHERE Id = ?',
      )
      .run(at.createdAt ?? null, at.updatedAt ?? null, row.id);
  }
  return row;
}

/**
 * `rejects(call, code)`: the call fails with that tRPC code and `snapshot()` (the rows the test
 * cares about) is exactly as before. `rejectsField(call, field)`: the same for a Zod failure
 * naming `field`.
 */
export function rejectionHelpers(snapshot: () => unknown) {
  async function rejects(call: () => Promise<unknown>, code: TRPCError['code']) {
    const before = snapshot();
    const error = await call().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error, `expected ${code}`).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe(code);
    expect(snapshot()).toEqual(before);
    return error as TRPCError;
  }
  async function rejectsField(call: () => Promise<unknown>, field: string) {
    const error = await rejects(call, 'BAD_REQUEST');
    expect(error.cause).toBeInstanceOf(ZodError);
    expect(Object.keys((error.cause as ZodError).flatten().fieldErrors)).toContain(field);
  }
  return { rejects, rejectsField };
}
