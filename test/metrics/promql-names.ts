const keywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: identifiers left after removing strings, label
 * matchers `{…}`, ranges `[…]`, grouping clauses `by (…)` / `without (…)` / `on (…)` /
 * `ignoring (…)`, function calls' names, keywords and numbers. Enough for the expressions of a
 * dashboard or rules file (no subquery or `@` modifier tricks).
 */
export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(match.index! + match[0].length);
    if (/^\s*\(/.test(after) || keywords.has(match[0].toLowerCase())) continue;
    // Exponents of numbers (`1e3`) and template variables (`$__rate_interval`) are not names.
    const before = stripped[match.index! - 1];
    if (before !== undefined && /[0-9.$]/.test(before)) continue;
    names.add(match[0]);
  }
  return [...names];
}

/** Every `expr` string anywhere in a parsed JSON/YAML document. */
export function exprsIn(document: unknown): string[] {
  if (Array.isArray(document)) return document.flatMap(exprsIn);
  if (document === null || typeof document !== 'object') return [];
  return Object.entries(document).flatMap(([key, value]) => (key === 'expr' && typeof value === 'string' ? [value] : exprsIn(value)));
}
