/** A section's result as terminal text: the rows as an aligned table, then each target. */
import type { SectionResult } from './bench-section.js';

export function formatTable(rows: SectionResult['rows']): string {
  if (rows.length === 0) return '';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: unknown) => (value === null || value === undefined ? '-' : String(value));
  const cells = rows.map((row) => columns.map((c) => cell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const numeric = columns.map((c) => rows.every((row) => typeof row[c] === 'number' || row[c] === null));
  const line = (values: string[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function formatSection(result: SectionResult): string {
  const lines = [`\n== ${result.name} ==`, formatTable(result.rows), ''];
  for (const target of result.targets) {
    lines.push(`${target.met ? 'MET   ' : 'MISSED'}  ${target.what}: ${target.measured} (target ${target.target})`);
  }
  for (const note of result.notes ?? []) lines.push(`note: ${note}`);
  return lines.join('\n');
}
