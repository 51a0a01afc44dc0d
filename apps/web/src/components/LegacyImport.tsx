'use client';

import type { RouterOutputs } from '@aura/api/client';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type FormEvent, type RefObject } from 'react';
import { useTRPC } from '@/trpc/react';

type ImportReport = RouterOutputs['legacy']['import'];

/** The inputs as the server sees them, so a dry run only unlocks the import of the same inputs. */
function inputsKey(path: string, ownerEmail: string): string {
  return JSON.stringify([path, ownerEmail.trim().toLowerCase()]);
}

/**
 * A field's messages as a sentence: a schema message is one already ("Path is required"), a
 * service's problem is a fragment that follows the field ("is the service's database").
 */
function fieldMessage(label: string, messages: string[] | undefined): string | undefined {
  if (!messages?.length) return undefined;
  return messages
    .map((message) => (/^[a-z]/.test(message) ? `${label} ${message}` : message))
    .join(' ');
}

/**
 * The legacy import as an admin action: a dry run of a file first (nothing is written), its report,
 * then the import of exactly those inputs.
 */
export function LegacyImport() {
  const trpc = useTRPC();
  const ids = useId();
  const [path, setPath] = useState('');
  const [ownerEmail, setOwnerEmail] = useState('');
  // The inputs of the last successful dry run; the import stays disabled for anything else.
  const [checked, setChecked] = useState<string | null>(null);
  const dryRun = useMutation(
    trpc.legacy.import.mutationOptions({
      onSuccess: (_report, input) => setChecked(inputsKey(input.path, input.ownerEmail ?? '')),
    }),
  );
  const runImport = useMutation(
    trpc.legacy.import.mutationOptions({
      // Done: a further import needs a new dry run.
      onSuccess: () => setChecked(null),
    }),
  );
  const pathRef = useRef<HTMLInputElement>(null);
  const ownerRef = useRef<HTMLInputElement>(null);
  const reportRef = useRef<HTMLHeadingElement>(null);

  const failed = runImport.error ?? dryRun.error;
  const fieldErrors = failed?.data?.zodError?.fieldErrors ?? {};
  const pathError = fieldMessage('The path', fieldErrors.path);
  const ownerError = fieldMessage('The owner email', fieldErrors.ownerEmail);
  const otherError = failed && !pathError && !ownerError ? failed.message : null;
  const report = runImport.data ?? dryRun.data;
  const busy = dryRun.isPending || runImport.isPending;
  const canImport = !busy && checked !== null && checked === inputsKey(path, ownerEmail);

  // Focus follows the outcome: the field at fault, else the report that just arrived.
  useEffect(() => {
    if (pathError) pathRef.current?.focus();
    else if (ownerError) ownerRef.current?.focus();
  }, [pathError, ownerError, failed]);
  useEffect(() => {
    if (report) reportRef.current?.focus();
  }, [report]);

  function variables() {
    const owner = ownerEmail.trim();
    return { path, ...(owner ? { ownerEmail: owner } : {}) };
  }

  function submitDryRun(event: FormEvent) {
    event.preventDefault();
    runImport.reset();
    setChecked(null);
    dryRun.mutate({ ...variables(), dryRun: true });
  }

  function submitImport() {
    runImport.mutate({ ...variables(), dryRun: false });
  }

  const pathHelp = `${ids}-path-help`;
  const pathErrorId = `${ids}-path-error`;
  const ownerHelp = `${ids}-owner-help`;
  const ownerErrorId = `${ids}-owner-error`;

  return (
    <>
      <section className="card legacy" aria-labelledby={`${ids}-heading`}>
        <div className="toolbar">
          <h2 id={`${ids}-heading`}>Legacy database file</h2>
        </div>
        <form className="legacy__form" onSubmit={submitDryRun} noValidate>
          <div className="legacy__field">
            <label htmlFor={`${ids}-path`}>Path to the legacy aura.db</label>
            <input
              ref={pathRef}
              id={`${ids}-path`}
              name="path"
              type="text"
              required
              spellCheck={false}
              autoComplete="off"
              placeholder="/srv/aura/media/aura.db"
              value={path}
              onChange={(e) => setPath(e.target.value)}
              aria-invalid={pathError ? true : undefined}
              aria-describedby={pathError ? `${pathErrorId} ${pathHelp}` : pathHelp}
            />
            {pathError && (
              <p id={pathErrorId} className="legacy__field-error">
                {pathError}
              </p>
            )}
            <p id={pathHelp} className="muted small">
              An absolute path on the server, inside a media root: <code>AURA_MEDIA_ROOTS</code>, by
              default <code>data/media</code> and the output directory (<code>data/output</code>).
              Copy the file there first. It is only read, never written.
            </p>
          </div>
          <div className="legacy__field">
            <label htmlFor={`${ids}-owner`}>
              Owner email <span className="muted">(optional)</span>
            </label>
            <input
              ref={ownerRef}
              id={`${ids}-owner`}
              name="ownerEmail"
              type="email"
              autoComplete="off"
              value={ownerEmail}
              onChange={(e) => setOwnerEmail(e.target.value)}
              aria-invalid={ownerError ? true : undefined}
              aria-describedby={ownerError ? `${ownerErrorId} ${ownerHelp}` : ownerHelp}
            />
            {ownerError && (
              <p id={ownerErrorId} className="legacy__field-error">
                {ownerError}
              </p>
            )}
            <p id={ownerHelp} className="muted small">
              Becomes the creator and modifier of every imported row that has none. Default: you.
            </p>
          </div>
          {otherError && (
            <p className="legacy__error" role="alert">
              {otherError}
            </p>
          )}
          <div className="legacy__actions">
            <button type="submit" className="button" disabled={busy}>
              {dryRun.isPending ? 'Checking…' : 'Dry run'}
            </button>
            <button
              type="button"
              className="button button--primary"
              disabled={!canImport}
              aria-describedby={`${ids}-import-help`}
              onClick={submitImport}
            >
              {runImport.isPending ? 'Importing…' : 'Import'}
            </button>
            <span id={`${ids}-import-help`} className="muted small">
              {canImport
                ? 'Imports what the dry run reported, in one transaction.'
                : 'Enabled after a successful dry run of these inputs.'}
            </span>
          </div>
        </form>
      </section>
      {report && <LegacyImportReport report={report} headingRef={reportRef} />}
    </>
  );
}

/** Ids listed per skip reason; a repeated import skips every row for the same reason. */
const SKIP_IDS_SHOWN = 5;

/** The skipped rows grouped by table and reason, in report order. */
function skipGroups(report: ImportReport) {
  const groups = new Map<string, { table: string; reason: string; ids: string[] }>();
  for (const table of report.tables) {
    for (const skip of table.skips) {
      const key = `${table.legacyTable}\u0000${skip.reason}`;
      const group = groups.get(key);
      if (group) group.ids.push(skip.id);
      else groups.set(key, { table: table.legacyTable, reason: skip.reason, ids: [skip.id] });
    }
  }
  return [...groups.values()];
}

function LegacyImportReport({
  report,
  headingRef,
}: {
  report: ImportReport;
  headingRef: RefObject<HTMLHeadingElement | null>;
}) {
  const conversionRows = report.conversions.reduce((sum, c) => sum + c.rows, 0);
  const skips = skipGroups(report);
  const skipped = report.tables.reduce((sum, t) => sum + t.skipped, 0);
  return (
    <section className="card legacy legacy__report" aria-labelledby="legacy-report-heading">
      <div className="toolbar">
        <h2 id="legacy-report-heading" ref={headingRef} tabIndex={-1}>
          {report.dryRun ? 'Dry run report (nothing written)' : 'Import report'}
        </h2>
        <span className={`status ${report.nothingNew ? 'status--Cancelled' : 'status--Completed'}`}>
          {report.nothingNew
            ? 'Nothing new'
            : `${report.importedRows} rows ${report.dryRun ? 'to import' : 'imported'}`}
        </span>
      </div>
      <div className="legacy__body" role="status">
        <p>{report.summary}</p>
        <p className="muted small">
          <code>{report.source.path}</code> · {report.source.journalMode} journal ·{' '}
          {report.source.migrations} migrations (latest {report.source.latestMigration}) · owner{' '}
          {report.owner.email} · {report.durationMs} ms
        </p>
      </div>
      <div className="legacy__scroll">
        <table className="projects legacy__tables">
          <caption className="visually-hidden">Rows per legacy table</caption>
          <thead>
            <tr>
              <th scope="col">Legacy table</th>
              <th scope="col">Into</th>
              <th scope="col">Read</th>
              <th scope="col">{report.dryRun ? 'To import' : 'Imported'}</th>
              <th scope="col">Skipped</th>
            </tr>
          </thead>
          <tbody>
            {report.tables.map((table) => (
              <tr key={table.legacyTable}>
                <th scope="row">{table.legacyTable}</th>
                <td>{table.targetTable ?? '—'}</td>
                <td>{table.read}</td>
                <td>{table.imported}</td>
                <td>{table.skipped}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="legacy__facts">
        {skipped > 0 && (
          <details>
            <summary>
              {skipped} skipped row{skipped === 1 ? '' : 's'}, by reason
            </summary>
            <ul>
              {skips.map((group) => (
                <li key={`${group.table}\u0000${group.reason}`}>
                  <code>{group.table}</code>: {group.reason} ({group.ids.length}:{' '}
                  {group.ids.slice(0, SKIP_IDS_SHOWN).join(', ')}
                  {group.ids.length > SKIP_IDS_SHOWN ? ', …' : ''})
                </li>
              ))}
            </ul>
          </details>
        )}
        <details>
          <summary>
            {report.conversions.length} conversions over {conversionRows} values
          </summary>
          <ul>
            {report.conversions.map((c) => (
              <li key={`${c.table}.${c.column}.${c.conversion}`}>
                <code>
                  {c.table}.{c.column}
                </code>
                : {c.conversion} ({c.rows})
              </li>
            ))}
          </ul>
        </details>
        <details>
          <summary>{report.legacyOnlyTables.length} legacy-only tables, not imported</summary>
          <ul>
            {report.legacyOnlyTables.map((t) => (
              <li key={t.table}>
                <code>{t.table}</code>: {t.rows} rows{t.note ? ` (${t.note})` : ''}
              </li>
            ))}
          </ul>
        </details>
        <details>
          <summary>
            {report.secretsEncrypted.length} plaintext secret
            {report.secretsEncrypted.length === 1 ? '' : 's'} encrypted
          </summary>
          <ul>
            {report.secretsEncrypted.map((s) => (
              <li key={`${s.source}:${s.key}`}>
                <code>{s.key}</code> from {s.source}
              </li>
            ))}
          </ul>
        </details>
        <p className="muted small">
          Content blobs: {report.contentBlobs.created} new, {report.contentBlobs.referencesAdded}{' '}
          references, {report.contentBlobs.hashMismatches} legacy hash mismatches.
        </p>
      </div>
    </section>
  );
}
