// Choosing what runs, as HLK playlists do: rule patterns to select and to skip, and a
// known-failures file whose rules may fail without failing the run.

/** A rule id pattern: `*` matches any run of characters (`kmd.send.*`, `*.fuzz`); otherwise exact. */
export function patternMatcher(pattern: string): (id: string) => boolean {
  if (typeof pattern !== 'string' || pattern.trim() === '') {
    throw new TypeError('a rule pattern must be a non-empty string');
  }
  const source = pattern.trim().split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  const regex = new RegExp(`^${source}$`, 'i');
  return (id) => regex.test(id);
}

export interface Selection {
  /** Patterns a rule must match one of (empty: every rule). */
  rules: string[];
  /** Patterns that exclude a rule. */
  skip: string[];
}

/** Why a rule is not selected, or undefined when it runs. */
export function deselectionReason(id: string, selection: Selection): string | undefined {
  const skipped = selection.skip.find((p) => patternMatcher(p)(id));
  if (skipped !== undefined) return `skipped (--skip ${skipped})`;
  if (selection.rules.length > 0 && !selection.rules.some((p) => patternMatcher(p)(id))) {
    return `not selected (--rule ${selection.rules.join(' --rule ')})`;
  }
  return undefined;
}

/** Patterns that match no rule at all: almost always a typo, so the run refuses them. */
export function unmatchedPatterns(ids: readonly string[], patterns: readonly string[]): string[] {
  return patterns.filter((p) => !ids.some(patternMatcher(p)));
}

/**
 * Parses a known-failures file: either JSON (`{"rule-id": "reason", ...}` or
 * `[{"id": "rule-id", "reason": "..."}]`) or text, one rule id per line with an optional reason
 * after it (`kmd.caps.flags  vendor bug 123`); `#` starts a comment. Returns id -> reason.
 */
export function parseKnownFailures(text: string, fileName = 'known-failures'): Map<string, string> {
  const known = new Map<string, string>();
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new SyntaxError(`${fileName}: not valid JSON (${(error as Error).message})`);
    }
    const entries: [unknown, unknown][] = Array.isArray(parsed)
      ? parsed.map((e: { id?: unknown; reason?: unknown }) => [e?.id, e?.reason ?? ''])
      : Object.entries(parsed as Record<string, unknown>);
    for (const [id, reason] of entries) {
      if (typeof id !== 'string' || id === '' || typeof reason !== 'string') {
        throw new SyntaxError(`${fileName}: each entry needs a rule id and a reason string`);
      }
      known.set(id, reason);
    }
    return known;
  }
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const match = /^([A-Za-z0-9_.*-]+)(?:\s+(.*))?$/.exec(line);
    if (!match) throw new SyntaxError(`${fileName}:${index + 1}: expected a rule id, got '${raw.trim()}'`);
    known.set(match[1], match[2]?.trim() ?? '');
  }
  return known;
}
