import type { Notes } from './convert';

/** What an import did (or, in a dry run, would do). Never holds a secret value. */
export interface TableReport {
  legacyTable: string;
  /** Our table, or null when the rows are read for another table's sake. */
  targetTable: string | null;
  read: number;
  imported: number;
  skipped: number;
  /** One entry per skipped row: its legacy id and why. */
  skips: { id: string; reason: string }[];
}

export interface ConversionReport {
  table: string;
  column: string;
  conversion: string;
  rows: number;
}

export interface LegacyImportReport {
  source: {
    path: string;
    sizeBytes: number;
    journalMode: 'wal' | 'delete';
    snapshot: 'backup-api' | 'file-copy';
    migrations: number;
    latestMigration: string;
    productVersion: string | null;
    /** `ef_temp_*` tables of a crashed migration, ignored. */
    ignoredLeftovers: string[];
  };
  dryRun: boolean;
  owner: { id: string; email: string };
  tables: TableReport[];
  conversions: ConversionReport[];
  /** Legacy tables with no counterpart here, not imported. */
  legacyOnlyTables: { table: string; rows: number; note?: string }[];
  /** Legacy columns with no counterpart here: how many rows held a value. */
  legacyOnlyColumns: { table: string; column: string; rowsWithValue: number }[];
  /** Plaintext secrets stored encrypted (keys only). */
  secretsEncrypted: { source: string; key: string }[];
  contentBlobs: {
    /** New blobs written to our store (documents, scenes, timelines). */
    created: number;
    /** References the imported versions hold (each counted once per version). */
    referencesAdded: number;
    /** Legacy blobs whose content does not hash to their ContentHash. */
    hashMismatches: number;
  };
  /** Rows written in all tables. */
  importedRows: number;
  /** True when the file had nothing that is not already here (a repeated import). */
  nothingNew: boolean;
  summary: string;
  durationMs: number;
}

/** Collects the report while the import runs. */
export class ReportBuilder {
  private readonly tableReports = new Map<string, TableReport>();
  private readonly conversionCounts = new Map<string, ConversionReport>();
  readonly legacyOnlyTables: LegacyImportReport['legacyOnlyTables'] = [];
  readonly legacyOnlyColumns: LegacyImportReport['legacyOnlyColumns'] = [];
  readonly secretsEncrypted: LegacyImportReport['secretsEncrypted'] = [];
  readonly blobs = { created: 0, referencesAdded: 0, hashMismatches: 0 };

  table(legacyTable: string, targetTable: string | null): TableReport {
    let report = this.tableReports.get(legacyTable);
    if (!report) {
      report = { legacyTable, targetTable, read: 0, imported: 0, skipped: 0, skips: [] };
      this.tableReports.set(legacyTable, report);
    }
    return report;
  }

  skip(table: TableReport, id: string, reason: string): void {
    table.skipped += 1;
    table.skips.push({ id, reason });
  }

  /** The conversion sink of one table; counts each (column, conversion) once per call. */
  notes(table: string): Notes {
    return {
      note: (column, conversion) => {
        const key = `${table}\u0000${column}\u0000${conversion}`;
        const entry = this.conversionCounts.get(key);
        if (entry) entry.rows += 1;
        else this.conversionCounts.set(key, { table, column, conversion, rows: 1 });
      },
    };
  }

  get tables(): TableReport[] {
    return [...this.tableReports.values()];
  }

  get conversions(): ConversionReport[] {
    return [...this.conversionCounts.values()];
  }
}
