import type { Parameter } from '../model/parameter.js';

/**
 * Which parameters a flag names: an exact key (IREE's behaviour), a glob
 * (`*.bias`, `blk.?.attn_*`, `[qk]_proj`), and either one qualified by
 * scope as `SCOPE::KEY`. A key equal to the text always matches, so keys
 * that happen to contain `*` stay addressable.
 */
export interface KeyPattern {
  text: string;
  matches(p: Parameter): boolean;
}

const GLOB_CHARS = /[*?[]/;

// Hand-written rather than picomatch (which matched 100,000 keys no faster:
// 6-22 ms against 6-27 ms per glob): picomatch reads names as paths, so
// `[!qk]` would not be a negation, `?` and `[^x]` would never match `/`
// (keys such as `encoder/layer_0/kernel` have them), and `x.bias/` would
// match `*.bias`. Here every character is a character, as in fnmatch.

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; ++i) {
    const c = glob[i]!;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[' && glob.indexOf(']', i + 2) > i) {
      const end = glob.indexOf(']', i + 2);
      const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
      source += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

export function keyPattern(text: string): KeyPattern {
  const sep = text.indexOf('::');
  const scopeText = sep < 0 ? undefined : text.slice(0, sep);
  const keyText = sep < 0 ? text : text.slice(sep + 2);
  const keyRe = GLOB_CHARS.test(keyText) ? globToRegExp(keyText) : undefined;
  const scopeRe = scopeText !== undefined && GLOB_CHARS.test(scopeText) ? globToRegExp(scopeText) : undefined;
  return {
    text,
    matches(p) {
      if (p.key === text) return true;
      if (scopeText !== undefined && !(p.scope === scopeText || scopeRe?.test(p.scope))) return false;
      return p.key === keyText || (keyRe?.test(p.key) ?? false);
    },
  };
}

/** Remembers which patterns matched anything, to warn about those that did not. */
export class PatternUse {
  private readonly used = new Set<string>();

  mark(pattern: { text: string }): void {
    this.used.add(pattern.text);
  }

  unused(patterns: { text: string }[]): string[] {
    return patterns.map((p) => p.text).filter((t) => !this.used.has(t));
  }
}
