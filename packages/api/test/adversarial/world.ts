/**
 * The adversarial suite's fixture world: one small installation (users of every role, a project
 * with scenes, an asset, a checkpoint, versions, templates, exports, settings, tokens, undo
 * history) built once through the procedures into a template database file, then copied for
 * every case that needs a fresh one. Copying a closed file is far cheaper than migrating and
 * seeding per case, so every call of the role matrix gets its own untouched world.
 */
import { inspect } from 'node:util';
import { TRPCError } from '@trpc/server';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { applyMigrations, createDb, openSqlite, seedDatabase, type UserRole } from '@aura/db';
import { createUser, type Principal } from '../../src/auth/service';
import { createContext } from '../../src/context';
import { appRouter, createCaller } from '../../src/root';

export const ROLES = ['viewer', 'editor', 'admin'] as const satisfies readonly UserRole[];
export type Role = (typeof ROLES)[number];
/** Who calls: a role, or nobody signed in. */
export type Who = Role | 'anonymous';

type Caller = ReturnType<typeof createCaller>;
interface ProcedureDef {
  type: 'query' | 'mutation' | 'subscription';
  inputs: unknown[];
}

/** Every procedure of the router, read from the router itself: "projects.get" → its definition. */
export function procedures(): Map<string, ProcedureDef> {
  const record = (
    appRouter._def as unknown as { procedures: Record<string, { _def: ProcedureDef }> }
  ).procedures;
  return new Map(Object.entries(record).map(([name, procedure]) => [name, procedure._def]));
}

/** Calls `name` ("auth.tokens.create") on a caller. */
export function callProcedure(caller: Caller, name: string, input: unknown): Promise<unknown> {
  const fn = name
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (
    input: unknown,
  ) => Promise<unknown>;
  return fn(input);
}

/** The ids of the fixture rows, as built into the template. */
export interface WorldIds {
  users: Record<Role | 'other', Principal>;
  project: string;
  trashedProject: string;
  scenes: string[];
  asset: string;
  checkpoint: string;
  versions: string[];
  trashedVersion: string;
  template: string;
  customTemplate: string;
  trashedCustomTemplate: string;
  queuedExport: string;
  cancelledExport: string;
  /** One API token per user. */
  tokens: Record<Role | 'other', string>;
}

/** The folders every world of one test file shares (AURA_DATA_DIR points at `base`). */
export interface WorldSite {
  base: string;
  media: string;
  output: string;
  template: string;
  ids: WorldIds;
  /** Restores the environment and removes every file of the site. */
  dispose: () => void;
}

const ENV_KEYS = ['AURA_DATA_DIR', 'AURA_MEDIA_ROOTS', 'AURA_BACKUP_DIR'] as const;

/** Builds the template world in a new temporary folder. */
export async function createWorldSite(): Promise<WorldSite> {
  const base = mkdtempSync(path.join(tmpdir(), 'aura-adversarial-'));
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  // Keys, backups and the default media root all land in this folder, never in the checkout.
  process.env.AURA_DATA_DIR = base;
  delete process.env.AURA_MEDIA_ROOTS;
  delete process.env.AURA_BACKUP_DIR;
  const media = path.join(base, 'media');
  const output = path.join(media, 'out');
  mkdirSync(output, { recursive: true });
  for (const name of ['in.mp4', 'voice.wav', 'image.png']) {
    writeFileSync(path.join(media, name), 'media');
  }
  const template = path.join(base, 'template', 'aura.db');
  mkdirSync(path.dirname(template));
  const sqlite = openSqlite(template);
  applyMigrations(sqlite);
  const db = createDb(sqlite);
  seedDatabase(db, { outputDirectory: output });

  const users = {} as Record<Role | 'other', Principal>;
  for (const role of [...ROLES, 'other'] as const) {
    const { user } = await createUser(db, null, {
      email: `${role}@adversarial.test`,
      displayName: role,
      role: role === 'other' ? 'editor' : role,
      password: 'correct horse battery',
    });
    users[role] = {
      userId: user.id,
      email: user.email,
      displayName: user.displayName,
      role: user.role,
      via: 'session',
    };
  }
  const as = (who: Role | 'other') => createCaller(createContext({ db, principal: users[who] }));
  const editor = as('editor');
  const admin = as('admin');

  const project = await editor.projects.create({
    title: 'Main',
    description: 'fixture',
    jobId: 'render-1',
  });
  const scenes = [];
  for (const scriptText of ['First scene', 'Second scene']) {
    scenes.push(await editor.scenes.add({ projectId: project.id, scriptText }));
  }
  const asset = await editor.assets.register({
    projectId: project.id,
    assetType: 'Image',
    filePath: path.join(media, 'image.png'),
    fileSizeBytes: 5,
    isTemporary: true,
  });
  const checkpoint = await editor.checkpoints.create({
    projectId: project.id,
    stageName: 'Script',
  });
  const version = async (name: string) =>
    (await editor.versions.create({ projectId: project.id, name })).version;
  const versions = [await version('one'), await version('two')];
  const trashedVersion = await version('trashed');
  await editor.versions.softDelete({
    id: trashedVersion.id,
    rowVersion: trashedVersion.rowVersion,
  });
  const trashed = await editor.projects.create({ title: 'Trashed' });
  await editor.projects.softDelete({ id: trashed.id, rowVersion: trashed.rowVersion });
  const customTemplate = await editor.customTemplates.create({ name: 'Mine', category: 'Talk' });
  const trashedCustom = await editor.customTemplates.create({ name: 'Old', category: 'Talk' });
  await editor.customTemplates.softDelete({
    id: trashedCustom.id,
    rowVersion: trashedCustom.rowVersion,
  });
  const exportJob = { presetName: 'youtube-720p' as const, inputFile: path.join(media, 'in.mp4') };
  const queued = await editor.exports.enqueue({ ...exportJob, outputFile: 'queued.mp4' });
  const cancelled = await editor.exports.enqueue({ ...exportJob, outputFile: 'cancelled.mp4' });
  await editor.exports.cancel({ id: cancelled.id });
  await editor.config.set({ key: 'Ui.Theme', value: 'dark', category: 'Ui', valueType: 'string' });
  const tokens = {} as Record<Role | 'other', string>;
  for (const who of [...ROLES, 'other'] as const) {
    await as(who).setup.saveProgress({ lastStep: 1 });
    tokens[who] = (await as(who).auth.tokens.create({ name: `${who} laptop` })).record.id;
  }
  const template0 = sqlite.prepare('SELECT Id FROM Templates ORDER BY Id LIMIT 1').pluck().get();

  // Last, so each writer has an action to undo and one to redo.
  for (const caller of [editor, admin]) {
    const mine = await caller.projects.create({ title: 'Undo me' });
    await caller.projects.update({ id: mine.id, rowVersion: mine.rowVersion, title: 'Renamed' });
    await caller.actions.undo();
  }
  sqlite.close();

  const ids: WorldIds = {
    users,
    project: project.id,
    trashedProject: trashed.id,
    scenes: scenes.map((scene) => scene.id),
    asset: asset.id,
    checkpoint: checkpoint.id,
    versions: versions.map((version) => version.id),
    trashedVersion: trashedVersion.id,
    template: String(template0),
    customTemplate: customTemplate.id,
    trashedCustomTemplate: trashedCustom.id,
    queuedExport: queued.id,
    cancelledExport: cancelled.id,
    tokens,
  };
  return {
    base,
    media,
    output,
    template,
    ids,
    dispose: () => {
      for (const key of ENV_KEYS) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A working copy of the template world. */
export interface World {
  site: WorldSite;
  ids: WorldIds;
  file: string;
  db: ReturnType<typeof createDb>;
  caller: (who: Who) => Caller;
  /** The current RowVersion of a row (inputs are built against the live state). */
  rowVersion: (table: string, id: string | number, column?: string) => number;
  /**
   * SQLite's data_version seen from a second connection: it changes exactly when another
   * connection (the one the procedures use) commits a write.
   */
  dataVersion: () => number;
  close: () => void;
}

let copies = 0;

export function openWorld(site: WorldSite): World {
  const dir = path.join(site.base, `world-${++copies}`);
  mkdirSync(dir);
  const file = path.join(dir, 'aura.db');
  copyFileSync(site.template, file);
  const sqlite = openSqlite(file);
  const db = createDb(sqlite);
  const observer = openSqlite(file, { readonly: true });
  const callers = new Map<Who, Caller>();
  return {
    site,
    ids: site.ids,
    file,
    db,
    caller: (who) => {
      let caller = callers.get(who);
      if (!caller) {
        const principal = who === 'anonymous' ? null : site.ids.users[who];
        caller = createCaller(createContext({ db, principal }));
        callers.set(who, caller);
      }
      return caller;
    },
    rowVersion: (table, id, column = 'Id') =>
      Number(
        sqlite.prepare(`SELECT RowVersion FROM "${table}" WHERE "${column}" = ?`).pluck().get(id),
      ),
    dataVersion: () => Number(observer.pragma('data_version', { simple: true })),
    close: () => {
      observer.close();
      sqlite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error a call ended with, or null when it succeeded. */
export async function outcome(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => null,
    (error: unknown) => error,
  );
}

export function codeOf(error: unknown): string | null {
  if (error === null) return null;
  return error instanceof TRPCError
    ? error.code
    : `not a TRPCError: ${error instanceof Error ? error.message : inspect(error)}`;
}
