// Formula templates: formulas that differ only in their cell addresses (a column of
// A2 = A1*0.999+1, A3 = A2*0.999+1, …, as a fill-down makes) are parsed and compiled once.
// The template is the text with every address replaced by a placeholder; its compiled
// program is shared, and each cell only looks up the cells its addresses name.
// Loading a 100,000-cell sheet then parses a handful of formulas instead of 100,000.
import { formatAddress, readA1 } from '../formula/address';
import { referenceTokens } from '../formula/rewrite';
import { parseFormula } from '../formula/parse';
import type { Registry } from '../ops/define';
import { type Program, compile } from './program';

const NAME_BASE = 1 << 30;

export interface Template {
  program: Program;
  /** For each link of the program: the index of the address in the formula, or NAME_BASE + k for names[k]. */
  recipe: number[];
  names: string[];
}

/** The template key of a formula and the addresses it mentions, in order; null when templates do not apply. */
export function templateKey(text: string, isName: (n: string) => boolean): { key: string; addresses: string[] } | null {
  if (text.includes(':')) return null; // ranges: their shape depends on the addresses
  const addresses: string[] = [];
  let key = '';
  let last = 0;
  for (const t of referenceTokens(text)) {
    const a = readA1(t.text);
    if (!a || a.problem) continue;
    // An unpinned W1 that is a cell's name means the name (SPEC §2): not an address placeholder.
    if (!t.text.includes('$') && isName(t.text)) return null;
    key += text.slice(last, t.start) + '\u0000';
    last = t.end;
    addresses.push(formatAddress(a.col, a.row));
  }
  // Synthetic addresses run A1…A9999; longer formulas take the ordinary path.
  if (!addresses.length || addresses.length > 9999) return null;
  return { key: key + text.slice(last), addresses };
}

/**
 * Compile a template once: the placeholders become the synthetic addresses A1, A2, … so the
 * compiler's resolver can tell which address each link came from. Null when the formula
 * does not compile (the cell then takes the ordinary path, which reports the error).
 */
export function compileTemplate(key: string, registry: Registry): Template | null {
  let k = 0;
  // Pinned, so that the synthetic addresses never resolve as names.
  const synthetic = key.replace(/\u0000/g, () => `$A$${++k}`);
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  try {
    const compiled = compile(parseFormula(synthetic), registry, {
      address: (at) => Number(at.slice(1)) - 1,
      name: (n) => {
        let i = nameIndex.get(n);
        if (i === undefined) nameIndex.set(n, (i = names.push(n) - 1));
        return NAME_BASE + i;
      },
      range: () => {
        throw new Error('templates have no ranges');
      },
    }, new Set());
    return { program: compiled.program, recipe: compiled.links, names };
  } catch {
    return null;
  }
}

/** This cell's links from the template, or null if a name it uses does not exist (take the ordinary path). */
export function linkTemplate(
  t: Template,
  addresses: readonly string[],
  address: (at: string) => number,
  name: (n: string) => number,
): number[] | null {
  const links = new Array<number>(t.recipe.length);
  for (let i = 0; i < t.recipe.length; i++) {
    const r = t.recipe[i];
    if (r < NAME_BASE) links[i] = address(addresses[r]);
    else {
      const id = name(t.names[r - NAME_BASE]);
      if (id < 0) return null;
      links[i] = id;
    }
  }
  return links;
}
