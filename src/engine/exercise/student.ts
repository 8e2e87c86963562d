// The student copy of an exercise sheet: the answer cells emptied, and no trace of the answers
// anywhere in the file (so none in a share link made from it either).
//
// - An answer cell keeps its address, its name (the question's label: "fill in dw0") and its
//   marks; its formula becomes empty, its note, value and other fields go.
// - Every cell that reads an answer, directly or through other cells, is left out: its formula
//   may spell the answer (`check(dw0, -0.1966)`) and its value would be computed from it. The
//   grader runs the key's own cells, so nothing is lost for grading.
// - What is left — title, notes, the other cells' formulas, names and notes — is searched for
//   each answer's formula and for its value written out or rounded (to two or more significant
//   digits; integers are not searched, they are too common to tell). A trace refuses the copy
//   with a message naming where it is, so that the instructor rewords it.
import { compareAddresses } from '../formula/address';
import type { Value } from '../tensor/value';
import type { CellDoc, SheetDoc } from '../sheet/document';
import { answerMarks, MARK_FIELDS } from './marks';
import { cellReads, downstreamOf } from './reads';

export type StudentCopy = { ok: true; doc: SheetDoc; leftOut: string[] } | { ok: false; error: string };

/** At most this many entries of a matrix answer are searched for (a weight matrix is not a hint). */
const MAX_SEARCHED_ENTRIES = 64;

/**
 * `valueOf` gives each answer cell's value in the instructor's sheet (null when it has none),
 * to search the remaining text for it.
 */
export function studentCopy(doc: SheetDoc, valueOf: (at: string) => Value | null): StudentCopy {
  const answers = answerMarks(doc);
  if (answers.length === 0) return { ok: false, error: 'no cell is marked as an answer ("answer": true), so there is nothing to leave out' };
  const answerAt = new Set(answers.map((a) => a.at));
  const reads = cellReads(doc);
  const leftOut = downstreamOf(reads, answerAt);
  const cells: CellDoc[] = [];
  for (const c of doc.cells) {
    if (leftOut.has(c.at)) continue;
    if (!answerAt.has(c.at)) {
      cells.push(c);
      continue;
    }
    const blank: CellDoc = { at: c.at, formula: '' };
    if (c.name) blank.name = c.name;
    const extra: Record<string, unknown> = Object.create(null);
    for (const k of MARK_FIELDS) if (c.extra && Object.hasOwn(c.extra, k)) extra[k] = c.extra[k];
    blank.extra = extra;
    cells.push(blank);
  }
  const out: SheetDoc = { ...doc, cells };
  const traces = findTraces(out, doc, answerAt, valueOf);
  if (traces.length) {
    const more = traces.length > 5 ? ` (and ${traces.length - 5} more)` : '';
    return { ok: false, error: `the student copy would give answers away: ${traces.slice(0, 5).join('; ')}${more}. Reword these, or mark the cells that hold them as answers too.` };
  }
  return { ok: true, doc: out, leftOut: [...leftOut].sort(compareAddresses) };
}

interface Answer {
  at: string;
  label: string;
  /** The formula without spaces, when it is long enough to be telling. */
  compact: string | null;
  values: number[];
}

function findTraces(copy: SheetDoc, key: SheetDoc, answerAt: Set<string>, valueOf: (at: string) => Value | null): string[] {
  const answers: Answer[] = key.cells
    .filter((c) => answerAt.has(c.at))
    .map((c) => {
      const compact = c.formula.replace(/\s+/g, '').replace(/^=/, '');
      return { at: c.at, label: c.name ? `${c.at} (${c.name})` : c.at, compact: compact.length >= 3 && !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(compact) ? compact : null, values: entries(valueOf(c.at)) };
    });
  const texts: { where: string; text: string }[] = [];
  if (copy.title) texts.push({ where: 'the title', text: copy.title });
  if (copy.notes) texts.push({ where: 'the notes', text: copy.notes });
  for (const c of copy.cells) {
    if (answerAt.has(c.at)) continue;
    texts.push({ where: `the formula of ${c.at}`, text: c.formula });
    if (c.name) texts.push({ where: `the name of ${c.at}`, text: c.name });
    if (c.note) texts.push({ where: `the note on ${c.at}`, text: c.note });
  }
  const traces: string[] = [];
  for (const { where, text } of texts) {
    const compact = text.replace(/\s+/g, '');
    for (const a of answers) {
      if (a.compact && compact.includes(a.compact)) traces.push(`${where} holds the formula of answer ${a.label}`);
    }
    for (const m of text.matchAll(NUMBER_RE)) {
      const a = answers.find((x) => x.values.some((v) => spells(m[1], v)));
      if (a) traces.push(`${where} mentions ${m[0].trim()}, the value of answer ${a.label}`);
    }
  }
  return traces;
}

/** Numbers in running text: digits with an optional fraction and exponent (signs do not matter). */
const NUMBER_RE = /(?<![A-Za-z_$0-9.])((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/g;

/** Whether the written number is v (in magnitude), exactly or rounded to its own significant digits (two or more). */
function spells(written: string, v: number): boolean {
  if (!Number.isFinite(v) || Number.isInteger(v)) return false;
  const n = Number(written);
  const target = Math.abs(v);
  if (n === target) return true;
  const digits = significantDigits(written);
  if (digits < 2 || digits > 17) return false;
  return n === Number(target.toPrecision(digits));
}

function significantDigits(written: string): number {
  const mantissa = written.split(/[eE]/)[0].replace('.', '').replace(/^0+/, '');
  return mantissa.length;
}

function entries(v: Value | null): number[] {
  if (v === null) return [];
  if (typeof v === 'number') return [v];
  return Array.from(v.data.subarray(0, MAX_SEARCHED_ENTRIES));
}
