// An op is everything about one function in one place: its name, how many arguments it
// takes, its forward computation and, right beside it, its gradient rule: one formula per
// input over other registry ops (`matmul: g @ b.T, a.T @ g`). The rule is the definition
// (the help text and exported code are generated from it, see rules.ts); numeric VJP
// closures beside it are optimisations, checked against the rule by the tests.
// The registry is the only list of ops: parser checks, evaluator, backward pass,
// autocomplete and the help panel all read it.
import type { Value } from '../tensor/value';
import type { Expr } from '../formula/parse';

/** One input's vector-Jacobian product: given ∂L/∂out (g), the inputs and the output, return ∂L/∂input. */
export type Vjp = (g: Value, args: readonly Value[], out: Value) => Value;

/** A finite difference that straddled a kink: the op (as written: `max`, `relu`) and the cell it is in. */
export interface Kink {
  op: string;
  cell: string;
}

/** How a relative error reads (verify.ts readRelativeError): CS231n's thresholds. */
export interface Reading {
  level: 'good' | 'fine' | 'suspect' | 'wrong';
  text: string;
}

/** A check cell's verdict, its relative error, and how to read it. */
export interface CheckMeta {
  pass: boolean;
  relErr: number;
  tol: number;
  /** Set when an argument comes from a numgrad whose differences straddled a kink. */
  kink: Kink | null;
  reading: Reading;
}

/** What an op may tell the evaluator besides its value (check cells report their relative error). */
export interface OpMeta {
  check?: CheckMeta;
  /** The cell's value comes from a numgrad whose differences straddled a kink. */
  kink?: Kink;
}

export interface OpContext {
  meta: OpMeta;
  /** Training steps taken so far: what step() and minibatch() read (0 outside training). */
  step?: number;
  /** A kink that a numgrad feeding this op's arguments straddled (null almost always). */
  kink?: Kink | null;
}

export type OpCategory =
  | 'operator'
  | 'elementwise'
  | 'binary'
  | 'reduction'
  | 'rowwise'
  | 'loss'
  | 'shape'
  | 'construction'
  | 'data'
  | 'gradient'
  | 'training'
  | 'verification';

export interface OpDef {
  readonly name: string;
  /** Formula operator spelling, if it has one (`+`, `@`, `.T`). */
  readonly symbol?: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** How a user calls it, e.g. `sum(x, axis)`. */
  readonly signature: string;
  /** One line: what it computes. */
  readonly doc: string;
  /**
   * Parameter names, one per argument (`['a', 'b']`, `['scores', 'labels']`): the names a
   * gradient rule and the generated docs use. They are never names of registry ops.
   */
  readonly inputs: readonly string[];
  /**
   * The gradient rule: one formula per input, aligned with `inputs`, `null` where no
   * gradient flows (sizes, seeds, labels, axis). In a formula `g` is ∂L/∂output, `y` the
   * output, and each input is called by its name; broadcasting is undone with
   * `sum_to(x, like)`. Present exactly when `vjp` is (composite ops need neither).
   */
  readonly rule?: readonly (string | null)[];
  /**
   * For the shapes of these arguments the op computes exactly what another op does, and
   * its gradient is that op's rule (`@` with a scalar operand is `*`). Rules, export and
   * explain views follow it; the forward and numeric VJPs handle the case themselves.
   */
  readonly actsAs?: (args: readonly Value[]) => string | undefined;
  readonly category: OpCategory;
  /** Indices of arguments that must be plain numbers known when the formula is written (axis, sizes, seeds). */
  readonly constArgs?: readonly number[];
  /** Absent for composite ops, which `expand` into other ops and need no gradient code. */
  forward?(args: readonly Value[], ctx: OpContext): Value;
  /** A composite op: rewrite the call into other ops (args are already-evaluated slots). */
  readonly expand?: (args: readonly Expr[]) => Expr;
  /**
   * The rule as fast numeric code: one VJP per input, aligned with the arguments, `null`
   * where the rule is. Absent entirely for ops with zero gradient everywhere.
   */
  readonly vjp?: readonly (Vjp | null)[];
  /**
   * Optional fast path for plain numbers, used when every input is a number: the same
   * function (`b` is 0 for one-argument ops). The op tests check it against `forward`.
   */
  readonly scalar?: (a: number, b: number) => number;
  /** Optional fast-path VJPs on plain numbers, aligned with `vjp`; checked against it. */
  readonly scalarVjp?: readonly (((g: number, a: number, b: number, out: number) => number) | null)[];
  /**
   * Where the derivative jumps (relu, abs, max, comparisons…): a value, elementwise, whose
   * sign changes exactly across a kink (relu: x; maximum: a − b). numgrad compares its signs
   * at x + h and x − h: where they differ, the central difference straddles the kink.
   */
  readonly kink?: (args: readonly Value[], out: Value) => Value;
  /**
   * Evaluated by the engine itself: grad and numgrad read other cells, not values; an
   * optimizer (sgd, adam) reads its first argument as a cell (the loss) and the rest as values.
   */
  readonly engineOp?: 'grad' | 'numgrad' | 'optimizer';
  /** Reads the training step count (step, minibatch): recomputed every training step, never frozen. */
  readonly volatile?: boolean;
}

export type OpSpec = Omit<OpDef, 'minArgs' | 'maxArgs'> & { args: number | [number, number] };

export function defineOp(spec: OpSpec): OpDef {
  const { args, ...rest } = spec;
  const [minArgs, maxArgs] = typeof args === 'number' ? [args, args] : args;
  return Object.freeze({ ...rest, minArgs, maxArgs });
}

export class Registry {
  private readonly ops = new Map<string, OpDef>();

  constructor(defs: Iterable<OpDef> = []) {
    for (const d of defs) this.add(d);
  }

  add(def: OpDef): this {
    if (this.ops.has(def.name)) throw new Error(`op ${def.name} is defined twice`);
    this.ops.set(def.name, def);
    return this;
  }

  get(name: string): OpDef | undefined {
    return this.ops.get(name);
  }

  has(name: string): boolean {
    return this.ops.has(name);
  }

  all(): OpDef[] {
    return [...this.ops.values()];
  }

  /** Functions a user can call by name (operators have symbols but are callable too). */
  functionNames(): string[] {
    return [...this.ops.keys()].sort();
  }
}
