/**
 * Tables for people, bordered like the reference server's CLI output (seeds: 003). Control
 * characters in cells are replaced: names can come from OAuth clients, and a terminal must not
 * interpret what they contain.
 */

export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (cell: string | undefined) => (cell ?? '').replace(/\p{Cc}/gu, '?');
  const body = rows.map((row) => headers.map((_, i) => clean(row[i])));
  const widths = headers.map((header, i) => Math.max(header.length, ...body.map((row) => (row[i] as string).length)));
  const border = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  return (
    [border, line(headers.map(clean)), border, ...body.map(line), ...(body.length > 0 ? [border] : [])].join('\n') +
    '\n'
  );
}

/**
 * A table cell for one field of a JSON view: times for `*_at` keys, `never` for a null expiry,
 * lists space-separated (`-` when empty).
 */
export function formatCell(key: string, value: unknown): string {
  if (value === null || value === undefined) return key === 'expires_at' || key === 'last_used_at' ? 'never' : '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map((item) => formatCell(key, item)).join(' ');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  const date = typeof value === 'number' && key.endsWith('_at') ? new Date(value * 1000) : undefined;
  if (date && !Number.isNaN(date.getTime())) return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return String(value);
}

/** One row per view, with the given columns: [header, key]. */
export function formatViews(views: readonly Record<string, unknown>[], columns: readonly [string, string][]): string {
  return formatTable(
    columns.map(([header]) => header),
    views.map((view) => columns.map(([, key]) => formatCell(key, view[key]))),
  );
}

/** One record, a field per row. */
export function formatFields(view: Record<string, unknown>): string {
  return formatTable(
    ['Field', 'Value'],
    Object.entries(view).map(([key, value]) => [key, formatCell(key, value)]),
  );
}
