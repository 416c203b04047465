export type Align = 'left' | 'right';

/** A plain-text table: a header row, columns padded to their widest cell, two spaces between. */
export function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  align: Align[] = [],
): string {
  const widths = header.map((h, column) =>
    Math.max(h.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const last = column === cells.length - 1;
        if (align[column] === 'right') return cell.padStart(widths[column]!);
        return last ? cell : cell.padEnd(widths[column]!);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
