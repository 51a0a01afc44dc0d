import type { Readable } from 'node:stream';
import { apiTokens, sessions, users } from '@aura/db';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { z } from 'zod';
import { hashToken } from '../../src/auth/crypto';
import { createContext } from '../../src/context';
import { openExportArchive } from '../../src/privacy/export';
import { createCaller } from '../../src/root';
import { openTestDb, rejectionHelpers, type TestDb } from '../helpers';
import { SUBJECT, buildSubjectData, type SubjectData } from './fixture';

let t: TestDb;
let data: SubjectData;
const savedEnv = { ...process.env };

beforeEach(async () => {
  t = openTestDb();
  data = await buildSubjectData(t);
});
afterEach(() => {
  for (const key of ['AURA_MEDIA_ROOTS', 'AURA_DATA_DIR']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  t.close();
});

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Every file of a zip, as text, read with yauzl. */
function unzip(zip: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (error, file) => {
      if (error) return reject(error);
      const files = new Map<string, string>();
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (openError, stream) => {
          if (openError) return reject(openError);
          collect(stream).then((bytes) => {
            files.set(entry.fileName, bytes.toString('utf8'));
            file.readEntry();
          }, reject);
        });
      });
      file.on('end', () => resolve(files));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

const rows = z.array(z.record(z.string(), z.unknown()));
function parsed(files: Map<string, string>, name: string) {
  const text = files.get(name);
  if (text === undefined) throw new Error(`${name} is not in the archive`);
  return z.unknown().parse(JSON.parse(text));
}

describe('users.exportData and the archive', () => {
  it('lets a user export their own data and an admin anyone’s; nobody else', async () => {
    const me = createCaller(createContext({ db: t.db, principal: data.principal }));
    const own = await me.users.exportData();
    expect(own.userId).toBe(data.principal.userId);
    expect(own.downloadUrl).toBe('/api/privacy/export');
    expect(own.sections.find((s) => s.file === 'projects.json')?.count).toBe(1);
    const byAdmin = await t.as('admin').users.exportData({ userId: data.principal.userId });
    expect(byAdmin.downloadUrl).toBe(`/api/privacy/export?userId=${data.principal.userId}`);

    const { rejects } = rejectionHelpers(() => null);
    await rejects(() => t.anonymous.users.exportData(), 'UNAUTHORIZED');
    for (const role of ['viewer', 'editor'] as const)
      await rejects(
        () => t.as(role).users.exportData({ userId: data.principal.userId }),
        'FORBIDDEN',
      );
    await rejects(
      () => t.as('admin').users.exportData({ userId: '00000000-0000-7000-8000-000000000000' }),
      'NOT_FOUND',
    );
    await rejects(() => t.as('admin').users.exportData({ userId: '../../etc' }), 'BAD_REQUEST');
    expect(() =>
      openExportArchive(t.db, t.principal('viewer'), data.principal.userId),
    ).toThrowError(/admin/);
  });

  it('holds every piece of the user’s data, and no secret or hash', async () => {
    const archive = openExportArchive(t.db, data.principal);
    const zip = await collect(archive.stream);
    const files = await unzip(zip);
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        'README.md',
        'manifest.json',
        'profile.json',
        'projects.json',
        `versions/${data.projectId}.json`,
        'custom-templates.json',
        'ratings.json',
        'setup.json',
        'settings.json',
        'action-log.json',
        'exports.json',
        'api-tokens.json',
        'sessions.json',
      ]),
    );
    expect(files.get('README.md')).toContain('projects.json');

    expect(parsed(files, 'profile.json')).toMatchObject({
      id: data.principal.userId,
      email: SUBJECT.email,
      displayName: SUBJECT.displayName,
    });

    const projects = z
      .array(
        z.object({
          project: z.object({ id: z.string(), title: z.string() }),
          scenes: rows,
          assets: rows,
          checkpoints: rows,
        }),
      )
      .parse(parsed(files, 'projects.json'));
    // Only what they created: the other project they edited is not theirs.
    expect(projects.map((p) => p.project.id)).toEqual([data.projectId]);
    expect(projects[0]?.scenes.map((s) => s.scriptText)).toEqual(data.scriptTexts);
    expect(projects[0]?.assets.map((a) => a.id)).toEqual([data.assetId]);
    expect(projects[0]?.checkpoints.map((c) => c.id)).toEqual([data.checkpointId]);

    const versions = z
      .array(
        z.object({
          id: z.string(),
          name: z.string().nullable(),
          content: z.object({ scenes: z.array(z.object({ scriptText: z.string() })) }),
        }),
      )
      .parse(parsed(files, `versions/${data.projectId}.json`));
    expect(versions.map((v) => v.id)).toEqual(data.versionIds);
    expect(versions[0]?.content.scenes.map((s) => s.scriptText)).toEqual(
      data.scriptTexts.slice(0, 2),
    );
    expect(versions[1]?.content.scenes.map((s) => s.scriptText)).toEqual(data.scriptTexts);

    expect(rows.parse(parsed(files, 'custom-templates.json')).map((r) => r.id)).toEqual([
      data.customTemplateId,
    ]);
    expect(rows.parse(parsed(files, 'ratings.json'))).toEqual([
      expect.objectContaining({ templateId: data.ratedTemplateId, rating: 5 }),
    ]);
    expect(rows.parse(parsed(files, 'setup.json'))).toEqual([
      expect.objectContaining({ lastStep: 2, wizardState: { tier: 'pro' } }),
    ]);
    expect(rows.parse(parsed(files, 'settings.json'))).toEqual([
      expect.objectContaining({ table: 'Configurations', key: 'Ui.Theme' }),
    ]);
    const log = rows.parse(parsed(files, 'action-log.json'));
    expect(log.length).toBeGreaterThan(5);
    expect(log.every((entry) => entry.userId === data.principal.userId)).toBe(true);
    expect(log[0]?.payload).toEqual(expect.objectContaining({ changes: expect.any(Array) }));
    expect(rows.parse(parsed(files, 'exports.json')).map((r) => r.id)).toEqual([data.exportId]);
    expect(rows.parse(parsed(files, 'api-tokens.json'))).toEqual([
      expect.objectContaining({ id: data.tokenId, name: 'laptop' }),
    ]);
    expect(rows.parse(parsed(files, 'sessions.json'))).toEqual([
      expect.objectContaining({ userAgent: 'KeeperBrowser/1' }),
    ]);

    const manifest = z
      .object({ sections: z.array(z.object({ file: z.string(), count: z.number() })) })
      .parse(parsed(files, 'manifest.json'));
    expect(manifest.sections.find((s) => s.file === 'action-log.json')?.count).toBe(log.length);

    // No password hash, session or token (nor their hashes) anywhere in the archive.
    const user = t.db.select().from(users).where(eq(users.id, data.principal.userId)).get();
    const token = t.db.select().from(apiTokens).where(eq(apiTokens.id, data.tokenId)).get();
    const session = t.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, data.principal.userId))
      .get();
    const all = [...files.values()].join('\n');
    for (const secret of [
      user?.passwordHash,
      token?.tokenHash,
      session?.tokenHash,
      data.apiToken,
      data.sessionToken,
      hashToken(data.sessionToken),
    ]) {
      expect(secret).toBeTruthy();
      expect(all.includes(secret ?? '')).toBe(false);
    }
    expect(all).not.toMatch(/passwordHash|tokenHash/);
  });

  it('reads the user’s rows through indexes (counts on My account, the export’s pages)', () => {
    const plan = (sql: string) =>
      JSON.stringify(
        t.db.$client.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ u: data.principal.userId, a: '' }),
      );
    const queries: [string, string][] = [
      ['SELECT count(*) FROM ProjectStates WHERE CreatedBy = @u', 'IX_ProjectStates_CreatedBy_Id'],
      [
        'SELECT * FROM ProjectStates WHERE CreatedBy = @u AND Id > @a ORDER BY Id LIMIT 1',
        'IX_ProjectStates_CreatedBy_Id',
      ],
      [
        'SELECT count(*) FROM ProjectVersions v JOIN ProjectStates p ON p.Id = v.ProjectId WHERE p.CreatedBy = @u',
        'IX_ProjectStates_CreatedBy_Id',
      ],
      [
        'SELECT * FROM CustomTemplates WHERE CreatedBy = @u AND Id > @a ORDER BY Id LIMIT 200',
        'IX_CustomTemplates_CreatedBy_Id',
      ],
      [
        'SELECT * FROM ExportHistory WHERE CreatedBy = @u AND Id > @a ORDER BY Id LIMIT 200',
        'IX_ExportHistory_CreatedBy_Id',
      ],
      [
        'SELECT * FROM ActionLogs WHERE UserId = @u ORDER BY Timestamp, Id LIMIT 200',
        'IX_ActionLogs_UserId_Timestamp_Id',
      ],
    ];
    for (const [sql, index] of queries) {
      const text = plan(sql);
      expect(text, sql).toContain(index);
      expect(text, sql).not.toContain('TEMP B-TREE');
    }
  });

  it('reads one snapshot: a write during the download does not appear, and a cancel frees it', async () => {
    const archive = openExportArchive(t.db, data.principal);
    const me = createCaller(createContext({ db: t.db, principal: data.principal }));
    await me.projects.create({ title: 'Written while downloading' });
    const files = await unzip(await collect(archive.stream));
    expect(files.get('projects.json')).not.toContain('Written while downloading');

    const cancelled = openExportArchive(t.db, data.principal);
    cancelled.stream.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The database is not held: a write transaction still goes through at once.
    await me.projects.create({ title: 'After the cancel' });
  });
});
