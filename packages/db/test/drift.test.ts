import { describe, expect, it } from 'vitest';
import * as schema from '../src/schema';
import { schemaDrift } from '../src/drift';

describe('schema.ts and the committed migrations', () => {
  it('agree (CI fails when a schema change has no migration)', async () => {
    expect(await schemaDrift()).toEqual([]);
  });

  it('a schema that differs from the migrations is reported with the SQL it needs', async () => {
    const { templates: _dropped, ...withoutTemplates } = schema;
    const drift = await schemaDrift(undefined, withoutTemplates);
    expect(drift.join('\n')).toMatch(/DROP TABLE `Templates`/);
  });
});
