import { userSetupSchema } from '@aura/db';
import { z } from 'zod';
import { rowVersionField } from '../keys';
import { systemUpdateInput } from '../system/schema';
import { LABEL_MAX, WIZARD_STATE_MAX_BYTES, boundedJson, uuidField } from '../limits';

/** The largest WizardState accepted, as JSON text; the input is bounded in bytes. */
export const WIZARD_STATE_MAX_CHARS = WIZARD_STATE_MAX_BYTES;

/** The wizard's own state: a JSON object (also how a stored WizardState is read back). */
export const wizardStateSchema = z.record(z.string(), z.json());

/** Whose setup: omitted = the caller's own; another user's only for an admin. */
const userIdField = uuidField('User id').optional();

export const setupStatusInput = z.object({ userId: userIdField }).prefault({});

/**
 * setup.saveProgress. `rowVersion` is omitted for the first save (no row yet) and required
 * after. Omitted optional fields keep their stored value; null clears them.
 */
export const setupSaveProgressInput = z.object({
  userId: userIdField,
  lastStep: userSetupSchema.shape.lastStep.min(0, 'lastStep must be 0 or more'),
  /** The wizard's own state: a JSON object. */
  wizardState: boundedJson(WIZARD_STATE_MAX_BYTES, wizardStateSchema).nullish(),
  selectedTier: userSetupSchema.shape.selectedTier.unwrap().trim().min(1).max(LABEL_MAX).nullish(),
  /** The wizard version that saved this state. */
  version: userSetupSchema.shape.version.unwrap().trim().min(1).max(LABEL_MAX).nullish(),
  rowVersion: rowVersionField.optional(),
});

/** setup.complete: `rowVersion` as for saveProgress (omitted only when nothing was saved yet). */
export const setupCompleteInput = z.object({
  userId: userIdField,
  rowVersion: rowVersionField.optional(),
});

/** setup.reset: back to step 0, not completed; the wizard state is kept or dropped. */
export const setupResetInput = z.object({
  userId: userIdField,
  keepState: z.boolean(),
  rowVersion: rowVersionField,
});

export type SetupStatusInput = z.output<typeof setupStatusInput>;
export type SetupSaveProgressInput = z.output<typeof setupSaveProgressInput>;
export type SetupCompleteInput = z.output<typeof setupCompleteInput>;
export type SetupResetInput = z.output<typeof setupResetInput>;

/** setup.completeInstallation: system.update's fields, then IsSetupComplete. */
export const installationCompleteInput = systemUpdateInput;

export type InstallationCompleteInput = z.output<typeof installationCompleteInput>;
