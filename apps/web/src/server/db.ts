import 'server-only';
import { openDatabase, type AuraDb } from '@aura/db';

/**
 * One connection per server process, opened on first use at AURA_DB_PATH (resolved by the db
 * package). Kept on globalThis so dev-mode hot reloads reuse it instead of leaking connections.
 */
const holder = globalThis as typeof globalThis & { __auraDb?: AuraDb };

export function getDb(): AuraDb {
  holder.__auraDb ??= openDatabase();
  return holder.__auraDb;
}
