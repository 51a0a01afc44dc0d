import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seedDatabase, templates } from '@aura/db';
import { insertUser, login, type Principal } from '../../src/auth/service';
import { createContext } from '../../src/context';
import { createCaller } from '../../src/root';
import { TEST_PASSWORD, TEST_PASSWORD_HASH, type TestDb } from '../helpers';

/** Distinctive on purpose: a raw-byte scan must not meet them by chance. */
export const SUBJECT = {
  email: 'zelda.quuxforgettable@privacy.test',
  displayName: 'Zelda Quuxforgettable',
};

export interface SubjectData {
  principal: Principal;
  projectId: string;
  sceneIds: string[];
  assetId: string;
  checkpointId: string;
  versionIds: string[];
  customTemplateId: string;
  ratedTemplateId: string;
  tokenId: string;
  exportId: string;
  apiToken: string;
  sessionToken: string;
  /** A project of someone else that the subject edited (stays, anonymized). */
  otherProjectId: string;
  scriptTexts: string[];
}

/** Builds everything a user can have, through the procedures (and the login service). */
export async function buildSubjectData(t: TestDb): Promise<SubjectData> {
  const media = path.join(t.dir, 'media');
  mkdirSync(media, { recursive: true });
  writeFileSync(path.join(media, 'voice.wav'), 'RIFF');
  process.env.AURA_MEDIA_ROOTS = media;
  process.env.AURA_DATA_DIR = path.join(t.dir, 'data');
  seedDatabase(t.db, { outputDirectory: path.join(t.dir, 'output') });

  const user = insertUser(
    t.db,
    t.principal('admin').userId,
    { ...SUBJECT, role: 'editor' },
    TEST_PASSWORD_HASH,
  );
  const principal: Principal = {
    userId: user.id,
    email: user.email,
    displayName: user.displayName,
    role: 'editor',
    via: 'session',
  };
  const me = createCaller(createContext({ db: t.db, principal }));
  const editor = t.as('editor');

  const project = await me.projects.create({
    title: 'Lighthouse keepers',
    description: 'A documentary about lighthouse keepers',
  });
  const scriptTexts = ['The lamp turns all night.', 'Storms come from the west.'];
  const sceneIds: string[] = [];
  for (const scriptText of scriptTexts) {
    const scene = await me.scenes.add({ projectId: project.id, scriptText });
    sceneIds.push(scene.id);
  }
  const asset = await me.assets.register({
    projectId: project.id,
    assetType: 'Audio',
    filePath: path.join(media, 'voice.wav'),
    fileSizeBytes: 4,
  });
  const checkpoint = await me.checkpoints.create({ projectId: project.id, stageName: 'TTS' });
  const v1 = await me.versions.create({ projectId: project.id, name: 'first cut' });
  await me.scenes.add({ projectId: project.id, scriptText: 'The keeper retires.' });
  scriptTexts.push('The keeper retires.');
  const v2 = await me.versions.create({ projectId: project.id, name: 'second cut' });
  const custom = await me.customTemplates.create({ name: 'Keeper style', category: 'Talk' });
  const template = t.db.select({ id: templates.id }).from(templates).limit(1).get();
  if (!template) throw new Error('the seed has no templates');
  await me.templates.rate({ templateId: template.id, rating: 5 });
  await me.setup.saveProgress({ lastStep: 2, wizardState: { tier: 'pro' } });
  await me.config.set({ key: 'Ui.Theme', value: 'dark', category: 'Ui', valueType: 'string' });
  writeFileSync(path.join(media, 'in.mp4'), 'not really a video');
  const queued = await me.exports.enqueue({
    presetName: 'audio-mp3',
    inputFile: path.join(media, 'in.mp4'),
    outputFile: 'keeper.mp3',
  });
  const token = await me.auth.tokens.create({ name: 'laptop' });
  const session = await login(t.db, {
    email: SUBJECT.email,
    password: TEST_PASSWORD,
    userAgent: 'KeeperBrowser/1',
  });

  // Someone else's project the subject edits: it stays, their identity must not.
  const other = await editor.projects.create({ title: 'Harbour tales' });
  await me.projects.update({
    id: other.id,
    rowVersion: other.rowVersion,
    title: 'Harbour tales 2',
  });
  // An admin edits the subject's project: that undo entry holds the subject's content.
  const current = await me.projects.get({ id: project.id });
  await t.as('admin').projects.update({
    id: project.id,
    rowVersion: current.rowVersion,
    title: 'Lighthouse keepers (final)',
  });

  return {
    principal,
    projectId: project.id,
    sceneIds,
    assetId: asset.id,
    checkpointId: checkpoint.id,
    versionIds: [v1.version.id, v2.version.id],
    customTemplateId: custom.id,
    ratedTemplateId: template.id,
    tokenId: token.record.id,
    exportId: queued.id,
    apiToken: token.token,
    sessionToken: session.token,
    otherProjectId: other.id,
    scriptTexts,
  };
}

/**
 * The needles found in each file, searched by a separate process: reading a live database file
 * through fs here would drop this process's SQLite locks on it when the descriptor closes.
 */
export function scanFiles(files: string[], needles: string[]): Record<string, string[]> {
  const script = `
    const fs = require('node:fs');
    const [files, needles] = JSON.parse(process.argv[1]);
    const out = {};
    for (const file of files) {
      if (!fs.existsSync(file)) { out[file] = []; continue; }
      const bytes = fs.readFileSync(file);
      out[file] = needles.filter((n) => bytes.includes(Buffer.from(n, 'utf8')) || bytes.includes(Buffer.from(n, 'utf16le')));
    }
    process.stdout.write(JSON.stringify(out));`;
  const output = execFileSync(process.execPath, ['-e', script, JSON.stringify([files, needles])], {
    encoding: 'utf8',
  });
  const parsed: unknown = JSON.parse(output);
  if (!parsed || typeof parsed !== 'object') throw new Error('scan failed');
  return Object.fromEntries(
    Object.entries(parsed).map(([file, found]) => [
      file,
      Array.isArray(found) ? found.map(String) : [],
    ]),
  );
}
