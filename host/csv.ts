// The one CSV writer of the host tools (run folders, the station export, pumpctl log --csv):
// fields escaped as RFC 4180 section 2 says, so a note, an operator's name or an error message
// with a comma, a quote or a line break stays one field in every spreadsheet and CSV reader.

/** A cell: text or a number as it is; null and undefined (a missing value) are an empty field. */
export type CsvValue = string | number | bigint | boolean | null | undefined;

/**
 * One field: quoted when it holds a comma, a double quote, CR or LF (RFC 4180 rules 6 and 7),
 * with each double quote inside doubled. Anything else is written as it is.
 */
export function csvField(v: CsvValue): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One record: the fields escaped and joined by commas, without the line end. */
export function csvRow(fields: readonly CsvValue[]): string {
  return fields.map(csvField).join(',');
}

/**
 * A whole file: the header, then each row, every record ended by `eol`. RFC 4180 ends records
 * with CRLF (the station export keeps it, for spreadsheets); the run folders keep LF, which
 * every CSV reader accepts and their tools and tests split on.
 */
export function csvText(header: readonly string[], rows: readonly (readonly CsvValue[])[], eol: '\n' | '\r\n'): string {
  return [header, ...rows].map((r) => csvRow(r) + eol).join('');
}
