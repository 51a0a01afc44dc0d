import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MAINTENANCE_SETTINGS,
  SYSTEM_TEMPLATES,
  configurations,
  seedDatabase,
  systemConfiguration,
  templates,
} from '../src';
import { migratedDatabase } from './helpers';

/** What the checks below read of a system template's data (other keys pass through). */
const templateDataShape = z.looseObject({
  brief: z.looseObject({ targetDurationSeconds: z.number() }),
  plan: z.looseObject({ sections: z.array(z.unknown()) }),
  render: z.looseObject({ width: z.number() }),
  voice: z.unknown(),
});

describe('seed data', () => {
  it('creates the SystemConfiguration row and the system templates', () => {
    const { db } = migratedDatabase();
    expect(seedDatabase(db, { outputDirectory: '/srv/aura/output' })).toEqual({
      systemConfigurationCreated: true,
      templatesCreated: SYSTEM_TEMPLATES.length,
      settingsCreated: MAINTENANCE_SETTINGS.length,
    });
    const retention = db
      .select()
      .from(configurations)
      .where(eq(configurations.category, 'Retention'))
      .all();
    expect(retention.find((r) => r.key === 'Retention.SoftDeletePurgeDays')).toMatchObject({
      value: '30',
      valueType: 'number',
      isActive: true,
    });
    const config = db.select().from(systemConfiguration).all();
    expect(config).toHaveLength(1);
    expect(config[0]).toMatchObject({
      id: 1,
      isSetupComplete: false,
      outputDirectory: '/srv/aura/output',
      ffmpegPath: null,
    });

    const rows = db.select().from(templates).all();
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(new Set(rows.map((t) => t.category)).size).toBe(rows.length);
    for (const t of rows) {
      expect(t).toMatchObject({
        isSystemTemplate: true,
        isCommunityTemplate: false,
        usageCount: 0,
      });
      const data = templateDataShape.parse(JSON.parse(t.templateData));
      expect(Object.keys(data).sort()).toEqual(['brief', 'plan', 'render', 'voice']);
      expect(data.brief.targetDurationSeconds).toBeGreaterThan(0);
      expect(data.plan.sections.length).toBeGreaterThan(0);
      expect(data.render.width).toBeGreaterThan(0);
      expect(t.description.length).toBeGreaterThan(20);
    }
  });

  it('is idempotent and keeps what users changed', () => {
    const { db } = migratedDatabase();
    seedDatabase(db, { outputDirectory: '/a' });
    const id = SYSTEM_TEMPLATES[0]!.id!;
    db.update(templates).set({ usageCount: 7 }).where(eq(templates.id, id)).run();
    db.update(systemConfiguration).set({ outputDirectory: '/b' }).run();
    expect(seedDatabase(db, { outputDirectory: '/a' })).toEqual({
      systemConfigurationCreated: false,
      templatesCreated: 0,
      settingsCreated: 0,
    });
    expect(db.select().from(templates).where(eq(templates.id, id)).get()?.usageCount).toBe(7);
    expect(db.select().from(systemConfiguration).get()?.outputDirectory).toBe('/b');
    expect(db.select().from(templates).all()).toHaveLength(SYSTEM_TEMPLATES.length);
  });

  it('SystemConfiguration stays a single row', () => {
    const { sqlite, db } = migratedDatabase();
    seedDatabase(db, { outputDirectory: '/a' });
    expect(() =>
      sqlite
        .prepare(`INSERT INTO SystemConfiguration (Id, OutputDirectory) VALUES (2, '/x')`)
        .run(),
    ).toThrow(/CHECK constraint failed/);
  });
});
