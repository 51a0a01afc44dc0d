import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  PreconditionError,
  actionLogs,
  assetStates,
  configurations,
  customTemplates,
  decryptSecret,
  exportHistory,
  isEncryptedValue,
  loadKeyring,
  projectStates,
  projectVersions,
  renderCheckpoints,
  sceneStates,
  templates,
  userSetups,
  type SecretOptions,
} from '@aura/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { importLegacyDatabase } from '../../src/legacy/import';
import type { LegacyImportReport } from '../../src/legacy/report';
import { versionContent } from '../../src/versions/snapshot';
import { checkReferenceCounts } from '../../src/versions/storage';
import { openTestDb, type TestDb } from '../helpers';
import { iso, legacySecrets, lower, readLegacy, type LegacyRows } from './expect';
import { fileDigest, makeLegacyDb, type JournalMode } from './fixture';

let work: string;
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'aura-legacy-test-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const STATUS: Record<string, string> = {
  Draft: 'InProgress',
  InProgress: 'Failed',
  Initializing: 'Failed',
  Deleted: 'InProgress',
  Completed: 'Completed',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
};
const ASPECTS = ['Widescreen16x9', 'Vertical9x16', 'Square1x1'];

const jsonObject = z.record(z.string(), z.unknown());
const parseObject = (text: unknown) => jsonObject.parse(JSON.parse(String(text)));

interface Imported {
  t: TestDb;
  file: string;
  /** The source's SHA-256 and the names in its folder before the import. */
  digest: string;
  siblings: string[];
  legacy: LegacyRows;
  report: LegacyImportReport;
  owner: string;
  secrets: SecretOptions;
}

async function importFixture(seed: number, journalMode: JournalMode): Promise<Imported> {
  const t = openTestDb();
  const dir = mkdtempSync(path.join(work, `seed-${seed}-`));
  const file = makeLegacyDb(dir, { seed, journalMode });
  const digest = fileDigest(file);
  const siblings = readdirSync(dir);
  const legacy = readLegacy(file);
  const admin = t.principal('admin');
  const secrets = { dataDir: t.dir, env: {} };
  const report = await importLegacyDatabase(t.db, {
    source: file,
    owner: { id: admin.userId, email: admin.email },
    secrets,
  });
  return { t, file, digest, siblings, legacy, report, owner: admin.userId, secrets };
}

/** Every text value of every table of the target database. */
function allText(t: TestDb): string[] {
  const sqlite = t.db.$client;
  const tables = z
    .array(z.object({ name: z.string() }))
    .parse(sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all());
  const out: string[] = [];
  for (const { name } of tables) {
    for (const row of z
      .array(z.record(z.string(), z.unknown()))
      .parse(sqlite.prepare(`SELECT * FROM "${name}"`).all())) {
      for (const value of Object.values(row)) if (typeof value === 'string') out.push(value);
    }
  }
  return out;
}

describe.each([
  [20251208, 'wal'],
  [7, 'delete'],
  [42, 'wal'],
] as const)('legacy file of seed %i (%s journal)', (seed, journalMode) => {
  let x: Imported;
  beforeAll(async () => {
    x = await importFixture(seed, journalMode);
  });
  afterAll(() => x.t.close());

  it('never writes the source: same bytes, no file created beside it', async () => {
    expect(fileDigest(x.file)).toBe(x.digest);
    expect(readdirSync(path.dirname(x.file))).toEqual(x.siblings);
    // A second read of the same file (idempotent run) leaves it as it was too.
    await importLegacyDatabase(x.t.db, {
      source: x.file,
      owner: { id: x.owner, email: 'admin@test.local' },
      secrets: x.secrets,
    });
    expect(fileDigest(x.file)).toBe(x.digest);
    expect(readdirSync(path.dirname(x.file))).toEqual(x.siblings);
  });

  it('reports every legacy table: rows read, imported, skipped with a reason', () => {
    const byTable = new Map(x.report.tables.map((r) => [r.legacyTable, r]));
    for (const table of [
      'ProjectStates',
      'SceneStates',
      'AssetStates',
      'RenderCheckpoints',
      'ProjectVersions',
      'templates',
      'custom_templates',
      'export_history',
      'ActionLogs',
      'Configurations',
      'user_setup',
    ]) {
      const r = byTable.get(table);
      expect(r?.read, table).toBe(x.legacy[table]!.length);
      expect(r?.imported, table).toBe(x.legacy[table]!.length);
      expect(r?.skipped, table).toBe(0);
    }
    expect(byTable.get('system_configuration')?.skips[0]?.reason).toMatch(/keeps its own/);
    const legacyOnly = new Map(x.report.legacyOnlyTables.map((r) => [r.table, r.rows]));
    for (const table of ['MediaItems', 'JobQueue', 'UsageStatistics', 'users', 'Settings'])
      expect(legacyOnly.has(table), table).toBe(true);
    expect(legacyOnly.get('MediaItems')).toBeGreaterThan(0);
    expect(x.report.conversions.length).toBeGreaterThan(20);
    expect(x.report.secretsEncrypted.map((s) => s.key).sort()).toEqual(
      x.legacy
        .Configurations!.filter((r) => r.IsSensitive === 1)
        .map((r) => String(r.Key))
        .sort(),
    );
    expect(JSON.stringify(x.report)).not.toMatch(/legacyFixtureNotAKey/);
  });

  it('imports every project with its values converted', () => {
    for (const legacy of x.legacy.ProjectStates!) {
      const row = x.t.db
        .select()
        .from(projectStates)
        .where(eq(projectStates.id, lower(legacy.Id)))
        .get();
      expect(row, String(legacy.Id)).toBeDefined();
      if (!row) continue;
      const status = String(legacy.Status);
      expect(row.status).toBe(STATUS[status]);
      expect(row.title).toBe(String(legacy.Title) === '' ? 'Untitled project' : legacy.Title);
      expect(row.isDeleted).toBe(legacy.IsDeleted === 1 || status === 'Deleted');
      if (row.isDeleted) {
        expect(row.deletedAt).toBe(iso(legacy.DeletedAt) ?? iso(legacy.UpdatedAt));
        expect(row.deletedBy).toBe(x.owner);
      } else expect(row.deletedAt).toBeNull();
      expect(row.createdAt).toBe(iso(legacy.CreatedAt));
      expect(row.updatedAt).toBe(iso(legacy.UpdatedAt));
      expect(row.createdBy).toBe(x.owner);
      expect(row.modifiedBy).toBe(x.owner);
      if (status === 'Completed') {
        expect(row.currentStage).toBe('Render');
        expect(row.progressPercent).toBe(100);
      }
      if (status === 'InProgress' || status === 'Initializing')
        expect(row.errorMessage).toContain(`legacy status ${status}`);
      expect(row.jobId).toBe(legacy.JobId === null ? null : lower(legacy.JobId));
      if (legacy.BriefJson !== null) {
        const before = parseObject(legacy.BriefJson);
        const after = parseObject(row.briefJson);
        expect(after.topic).toBe(before.Topic ?? before.topic);
        if (typeof before.Aspect === 'number') expect(after.aspect).toBe(ASPECTS[before.Aspect]);
        expect(Object.keys(after).every((k) => /^[a-z]/.test(k))).toBe(true);
      } else expect(row.briefJson).toBeNull();
      if (legacy.PlanSpecJson !== null) {
        const after = parseObject(row.planSpecJson);
        expect(typeof after.targetDurationSeconds).toBe('number');
        expect(after.targetDuration).toBeUndefined();
        expect(after.targetDurationMinutes).toBeUndefined();
      }
    }
  });

  it('imports scenes, assets and checkpoints under their projects', () => {
    for (const legacy of x.legacy.SceneStates!) {
      const row = x.t.db
        .select()
        .from(sceneStates)
        .where(eq(sceneStates.id, lower(legacy.Id)))
        .get();
      expect(row?.projectId).toBe(lower(legacy.ProjectId));
      expect(row?.sceneIndex).toBe(legacy.SceneIndex);
      expect(row?.scriptText).toBe(legacy.ScriptText);
      expect(row?.durationSeconds).toBe(legacy.DurationSeconds);
      expect(row?.createdAt).toBe(iso(legacy.CreatedAt));
    }
    for (const legacy of x.legacy.AssetStates!) {
      const row = x.t.db
        .select()
        .from(assetStates)
        .where(eq(assetStates.id, lower(legacy.Id)))
        .get();
      expect(row?.projectId).toBe(lower(legacy.ProjectId));
      expect(row?.assetType).toBe(legacy.AssetType);
      expect(row?.filePath).toBe(legacy.FilePath);
      expect(row?.mimeType).toBe(legacy.MimeType);
      expect(row?.isTemporary).toBe(legacy.IsTemporary === 1);
    }
    for (const legacy of x.legacy.RenderCheckpoints!) {
      const row = x.t.db
        .select()
        .from(renderCheckpoints)
        .where(eq(renderCheckpoints.id, lower(legacy.Id)))
        .get();
      expect(row?.stageName).toBe(legacy.StageName);
      expect(row?.checkpointTime).toBe(iso(legacy.CheckpointTime));
      expect(row?.totalScenes).toBe(legacy.TotalScenes);
    }
  });

  it('rebuilds versions: numbers and gaps kept, content in our store, references exact', () => {
    const numbers = new Map<string, number[]>();
    for (const legacy of x.legacy.ProjectVersions!) {
      const row = x.t.db
        .select()
        .from(projectVersions)
        .where(eq(projectVersions.id, lower(legacy.Id)))
        .get();
      expect(row, String(legacy.Id)).toBeDefined();
      if (!row) continue;
      expect(row.versionNumber).toBe(legacy.VersionNumber);
      expect(row.isDeleted).toBe(legacy.IsDeleted === 1);
      expect(row.createdAt).toBe(iso(legacy.CreatedAt));
      // The 0001-01-01 sentinel is never kept.
      expect(row.updatedAt).toBe(iso(legacy.UpdatedAt) ?? row.createdAt);
      expect(row.timelineHash).not.toBeNull();
      const content = versionContent(x.t.db, row);
      const brief = legacy.BriefJson === null ? null : parseObject(legacy.BriefJson);
      expect(jsonObject.nullable().parse(content.brief)?.topic ?? null).toBe(
        brief === null ? null : (brief.Topic ?? brief.topic),
      );
      const list = numbers.get(row.projectId) ?? [];
      list.push(row.versionNumber);
      numbers.set(row.projectId, list);
    }
    for (const [projectId, list] of numbers) {
      const project = x.t.db
        .select()
        .from(projectStates)
        .where(eq(projectStates.id, projectId))
        .get();
      expect(project?.lastVersionNumber).toBe(Math.max(...list));
    }
    const check = checkReferenceCounts(x.t.db);
    expect(check.versions).toBe(x.legacy.ProjectVersions!.length);
    expect(check.blobs).toBeGreaterThan(0);
    expect(check.mismatches).toEqual([]);
  });

  it('imports templates, custom templates, exports, the undo log and the setup state', () => {
    for (const legacy of x.legacy.templates!) {
      const row = x.t.db
        .select()
        .from(templates)
        .where(eq(templates.id, String(legacy.id)))
        .get();
      expect(row?.name).toBe(legacy.name);
      const data = parseObject(row?.templateData);
      expect(data.plan ?? data.brief).toBeDefined();
      expect(row?.templateData).not.toContain('\r');
      const users = x.legacy.ProjectStates!.filter((p) => p.TemplateId === legacy.id).length;
      expect(row?.usageCount).toBe(users);
    }
    for (const legacy of x.legacy.custom_templates!) {
      const row = x.t.db
        .select()
        .from(customTemplates)
        .where(eq(customTemplates.id, lower(legacy.id)))
        .get();
      expect(row?.name).toBe(legacy.name);
      expect(row?.isDeleted).toBe(legacy.is_deleted === 1);
      if (row?.isDeleted) expect(row.deletedBy).toBe(x.owner);
      const script = parseObject(row?.scriptStructureJson);
      expect(Array.isArray(script.sections)).toBe(true);
    }
    const exportStatus: Record<string, string> = {
      Completed: 'Completed',
      Failed: 'Failed',
      Processing: 'Failed',
      Queued: 'Cancelled',
    };
    for (const legacy of x.legacy.export_history!) {
      const row = x.t.db
        .select()
        .from(exportHistory)
        .where(eq(exportHistory.id, lower(legacy.id)))
        .get();
      expect(row?.status).toBe(exportStatus[String(legacy.status)]);
      expect(row?.createdAt).toBe(iso(legacy.created_at));
      expect(row?.inputFile).toBe(legacy.input_file);
    }
    // Nothing left that the worker would pick up and run.
    expect(
      x.t.db.select().from(exportHistory).where(eq(exportHistory.status, 'Queued')).all(),
    ).toEqual([]);
    for (const legacy of x.legacy.ActionLogs!) {
      const row = x.t.db
        .select()
        .from(actionLogs)
        .where(eq(actionLogs.id, lower(legacy.Id)))
        .get();
      expect(row?.status).toBe(legacy.Status);
      expect(row?.userId).toBe(legacy.UserId);
      expect(row?.timestamp).toBe(iso(legacy.Timestamp));
    }
    const setup = x.t.db.select().from(userSetups).where(eq(userSetups.userId, x.owner)).get();
    const legacySetup = x.legacy.user_setup![0]!;
    expect(setup?.completed).toBe(legacySetup.completed === 1);
    expect(setup?.wizardState).toBe(legacySetup.wizard_state);
  });

  it('converts settings by ValueType and encrypts every plaintext secret', () => {
    const keyring = loadKeyring(x.secrets);
    for (const legacy of x.legacy.Configurations!) {
      const row = x.t.db
        .select()
        .from(configurations)
        .where(eq(configurations.key, String(legacy.Key)))
        .get();
      expect(row, String(legacy.Key)).toBeDefined();
      if (!row) continue;
      expect(row.isActive).toBe(legacy.IsActive === 1);
      expect(row.version).toBe(legacy.Version);
      const raw = String(legacy.Value);
      const expected =
        legacy.ValueType === 'number'
          ? Number(raw)
          : legacy.ValueType === 'boolean'
            ? raw === 'true'
            : legacy.ValueType === 'json'
              ? JSON.parse(raw)
              : /^\d{4}-\d\d-\d\dT/.test(raw)
                ? iso(raw.replace('T', ' ').replace('Z', ''))
                : raw;
      if (legacy.IsSensitive === 1) {
        expect(isEncryptedValue(JSON.parse(row.value))).toBe(true);
        expect(JSON.parse(decryptSecret(keyring, row.key, row.value))).toEqual(expected);
      } else expect(JSON.parse(row.value)).toEqual(expected);
    }
    const secrets = legacySecrets(x.legacy);
    expect(secrets.length).toBeGreaterThan(0);
    const text = allText(x.t);
    for (const secret of secrets) expect(text.some((value) => value.includes(secret))).toBe(false);
  });
});

describe('repeated and side-by-side imports', () => {
  it('a second run of the same file imports nothing new and says so', async () => {
    const x = await importFixture(3, 'wal');
    try {
      const again = await importLegacyDatabase(x.t.db, {
        source: x.file,
        owner: { id: x.owner, email: 'admin@test.local' },
        secrets: x.secrets,
      });
      expect(again.nothingNew).toBe(true);
      expect(again.importedRows).toBe(0);
      expect(again.summary).toMatch(/^Nothing new/);
      expect(again.secretsEncrypted).toEqual([]);
      for (const table of again.tables) expect(table.imported, table.legacyTable).toBe(0);
      expect(again.tables.find((r) => r.legacyTable === 'ProjectStates')?.skips[0]?.reason).toMatch(
        /already imported/,
      );
      expect(checkReferenceCounts(x.t.db).mismatches).toEqual([]);
    } finally {
      x.t.close();
    }
  });

  it('a different legacy file imports beside the first without id collisions', async () => {
    const x = await importFixture(11, 'wal');
    try {
      const dir = mkdtempSync(path.join(work, 'second-'));
      const second = makeLegacyDb(dir, { seed: 12, journalMode: 'delete' });
      const legacy = readLegacy(second);
      const report = await importLegacyDatabase(x.t.db, {
        source: second,
        owner: { id: x.owner, email: 'admin@test.local' },
        secrets: x.secrets,
      });
      const projects = report.tables.find((r) => r.legacyTable === 'ProjectStates');
      expect(projects?.imported).toBe(legacy.ProjectStates!.length);
      expect(x.t.db.select().from(projectStates).all()).toHaveLength(
        x.legacy.ProjectStates!.length + legacy.ProjectStates!.length,
      );
      expect(x.t.db.select().from(projectVersions).all()).toHaveLength(
        x.legacy.ProjectVersions!.length + legacy.ProjectVersions!.length,
      );
      // Shared ids (system templates, setting keys, the single user's setup) are kept once.
      const skippedConfig = report.tables.find((r) => r.legacyTable === 'Configurations');
      expect(skippedConfig?.skips.every((s) => s.reason.includes('already'))).toBe(true);
      expect(checkReferenceCounts(x.t.db).mismatches).toEqual([]);
    } finally {
      x.t.close();
    }
  });
});

describe('dry run', () => {
  it('writes nothing and reports what a real import would do', async () => {
    const t = openTestDb();
    try {
      const dir = mkdtempSync(path.join(work, 'dry-'));
      const file = makeLegacyDb(dir, { seed: 5, journalMode: 'wal' });
      const admin = t.principal('admin');
      const owner = { id: admin.userId, email: admin.email };
      const secrets = { dataDir: t.dir, env: {} };
      const before = allText(t).sort();
      const dry = await importLegacyDatabase(t.db, { source: file, dryRun: true, owner, secrets });
      expect(dry.dryRun).toBe(true);
      expect(allText(t).sort()).toEqual(before);
      expect(existsSync(path.join(t.dir, 'secret-keys.json'))).toBe(false);
      const real = await importLegacyDatabase(t.db, { source: file, owner, secrets });
      const counts = (r: LegacyImportReport) =>
        r.tables.map((x) => [x.legacyTable, x.read, x.imported, x.skipped]);
      expect(counts(dry)).toEqual(counts(real));
      expect(dry.importedRows).toBe(real.importedRows);
      expect(dry.contentBlobs).toEqual(real.contentBlobs);
    } finally {
      t.close();
    }
  });
});

describe('all or nothing', () => {
  it('a failure late in the import leaves the target as it was', async () => {
    const t = openTestDb();
    try {
      const dir = mkdtempSync(path.join(work, 'fail-'));
      const file = makeLegacyDb(dir, { seed: 6, journalMode: 'wal' });
      const admin = t.principal('admin');
      const before = allText(t).sort();
      // Settings come after projects, versions and blobs: a bad key fails there.
      const error = await importLegacyDatabase(t.db, {
        source: file,
        owner: { id: admin.userId, email: admin.email },
        secrets: { dataDir: t.dir, env: { AURA_SECRET_KEY: 'not a key' } },
      }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PreconditionError);
      expect(allText(t).sort()).toEqual(before);
      expect(t.db.select().from(projectStates).all()).toEqual([]);
    } finally {
      t.close();
    }
  });
});
