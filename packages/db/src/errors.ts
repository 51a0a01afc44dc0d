/**
 * The domain's typed errors. Services (and the worker and CLI that call them) throw these and
 * nothing else; the api package maps each class to one tRPC code in its error middleware, so a
 * message reads the same over HTTP, in the worker's log and on the CLI. The db package knows
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
    /** Overrides the default "<table> <id> was not found" where a look-up is not by id. */
    message?: string,
  ) {
    super(message ?? `${table} ${id} was not found`);
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

/**
 * A value that parsed but is not acceptable (a setting that does not match its ValueType, a path
 * outside the media roots, …). With a `field`, the message is "<field>: <problem>" and clients
 * get the problem under that field, exactly as for a schema failure. The problem must not echo
 * the value (it may be a secret).
 */
export class InvalidInputError extends DataError {
  constructor(
    readonly field: string | null,
    readonly problem: string,
  ) {
    super(field ? `${field}: ${problem}` : problem);
  }
}

/** An input or the data it would create goes over one of the service's limits. Nothing was written. */
export class LimitError extends DataError {}

/** The caller is signed in but their role or ownership does not allow this. */
export class ForbiddenError extends DataError {}

/** The caller could not be identified (a wrong password, an unknown or expired token). */
export class UnauthenticatedError extends DataError {}

/** Too many attempts in a short time; the message says when to try again. */
export class RateLimitError extends DataError {}

/**
 * The request is valid but the row's state does not allow it now (an illegal status transition,
 * a setup that is already complete, a lease held by another worker). Reload and decide again.
 */
export class StateError extends DataError {}

/** Something the installation needs first is missing or unusable (configuration, a folder, a check). */
export class PreconditionError extends DataError {}

/** A migration, rollback, backup, restore or verify step refused or failed; nothing was changed. */
export class MaintenanceError extends DataError {}
