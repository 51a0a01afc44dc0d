/**
 * Typed errors of the data layer. The api package maps them to tRPC codes; the db package knows
 * nothing of tRPC.
 */
export class DataError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The row does not exist (or is soft-deleted where deleted rows are excluded). */
export class NotFoundError extends DataError {
  constructor(
    readonly table: string,
    readonly id: string | number,
  ) {
    super(`${table} ${id} was not found`);
  }
}

/** Optimistic concurrency: the row changed since the caller read it. Nothing was written. */
export class ConflictError extends DataError {
  constructor(
    readonly table: string,
    readonly id: string | number,
    readonly expectedRowVersion: number,
    readonly actualRowVersion: number,
  ) {
    super(
      `${table} ${id} was changed by someone else (you read version ${expectedRowVersion}, it is now ${actualRowVersion}); reload and try again`,
    );
  }
}

/** A migration, rollback, backup, restore or verify step refused or failed; nothing was changed. */
export class MaintenanceError extends DataError {}
