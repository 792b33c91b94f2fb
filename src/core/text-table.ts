/** Plain-text layout for reports a terminal shows (mapping and options checks). */

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** Each line indented by two spaces. */
export function indent(lines: readonly string[]): string[] {
  return lines.map((l) => `  ${l}`);
}
