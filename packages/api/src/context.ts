import { randomUUID } from 'node:crypto';
import type { AuraDb } from '@aura/db';
import type { Context } from './trpc';

export interface CreateContextOptions {
  db: AuraDb;
  /** The authenticated principal's id; null until auth exists. */
  actor?: string | null;
}

/** One context per request (or per direct call): a fresh request id for log correlation. */
export function createContext({ db, actor = null }: CreateContextOptions): Context {
  return { db, requestId: randomUUID(), actor };
}
