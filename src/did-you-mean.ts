/** Edit distance between two names, for suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; ++i) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; ++j) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** ` (did you mean --x?)` for a near miss, else ''. */
export function suggest(name: string, known: string[], prefix = '--'): string {
  const best = known
    .map((k) => ({ k, d: distance(name, k) }))
    .sort((a, b) => a.d - b.d)[0];
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean ${prefix}${best.k}?)` : '';
}
