// The Python text around the generated lines: the header, the helpers an exported script
// uses (only those it calls are written out), and the printing of its cells. The helpers
// compute what the registry's ops compute, in the same order of operations where that matters
// (the stable sigmoid, softmax after subtracting the row maximum).
import type { Dialect } from './spell';

/** Helpers of the training loop, the same in both dialects (plain Python over the loop's numbers). */
const TRAINING_HELPERS: Readonly<Record<string, string>> = {
  _steps_arg: `def _steps_arg(default):
    """--steps N on the command line (training steps to take first), else default."""
    args = sys.argv[1:]
    for k, a in enumerate(args):
        text = (args[k + 1] if k + 1 < len(args) else "") if a == "--steps" else a[8:] if a.startswith("--steps=") else None
        if text is not None:
            if not text.isdigit():
                sys.exit("--steps expects a whole number of steps, got " + repr(text))
            return int(text)
    return default`,
  _record: `def _record(curves, name, i, steps, step, loss):
    """This step's loss on the curve of its cell; printed (every step, or 20 times in a long run) unless --json."""
    x = float(loss)
    if x != x or x in (float("inf"), float("-inf")):
        sys.exit("step %d: the loss %s is %s; stopped, the parameters are those after step %d" % (step, name, x, step))
    curves[name].append([step, x])
    if "--json" not in sys.argv[1:] and (i % max(1, steps // 20) == 0 or i == steps - 1):
        print("step %d: %s %.6g" % (step, name, x))`,
  _last: `def _last(curve, now):
    """The loss of the last step taken, or the loss now when no step was."""
    return curve[-1][1] if curve else float(now)`,
  _permutation: `def _permutation(n, seed, epoch):
    """The sheet's seeded permutation of 0..n-1 for one epoch: Fisher-Yates over the mulberry32
    stream, bit for bit as the engine draws it (ops/training.ts epochPermutation)."""
    m = 0xFFFFFFFF
    a = (((seed & m) * 0x9E3779B1) & m) ^ (((epoch + 1) * 0x85EBCA6B) & m)
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        a = (a + 0x6D2B79F5) & m
        t = ((a ^ (a >> 15)) * (1 | a)) & m
        t = ((t + (((t ^ (t >> 7)) * (61 | t)) & m)) & m) ^ t
        j = int(((t ^ (t >> 14)) & m) / 4294967296 * (i + 1))
        p[i], p[j] = p[j], p[i]
    return p`,
  _batch_rows: `_EPOCH = {}


def _batch_rows(n, size, seed, step):
    """minibatch(N, size, seed) at this step: batch step mod (N // size) of the epoch's permutation."""
    n, size, seed, step = int(n), int(size), int(seed), int(step)
    per = n // size
    key = (n, seed, step // per)
    if key not in _EPOCH:
        _EPOCH.clear()
        _EPOCH[key] = _permutation(n, seed, step // per)
    start = (step % per) * size
    return _EPOCH[key][start:start + size]`,
};

const NUMPY_HELPERS: Readonly<Record<string, string>> = {
  ...TRAINING_HELPERS,
  _minibatch: `def _minibatch(n, size, seed, step):
    return np.array(_batch_rows(n, size, seed, step), dtype=float).reshape(-1, 1)`,
  _sigmoid: `def _sigmoid(x):
    e = np.exp(-np.abs(x))  # stable for large |x|: never exp of a large positive number
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))`,
  _relu: `def _relu(x):
    return np.where(x <= 0, 0.0, x)  # relu of NaN is NaN`,
  _softmax: `def _softmax(x):
    x2 = np.atleast_2d(x)
    e = np.exp(x2 - x2.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).reshape(np.shape(x))`,
  _log_softmax: `def _log_softmax(x):
    x2 = np.atleast_2d(x)
    return (x2 - _logsumexp(x2)).reshape(np.shape(x))`,
  _logsumexp: `def _logsumexp(x):
    x2 = np.atleast_2d(x)
    m = x2.max(axis=1, keepdims=True)
    return m + np.log(np.exp(x2 - m).sum(axis=1, keepdims=True))`,
  _targets: `def _targets(scores, labels):
    """n×K targets: n×1 class indices become one-hot, an n×K matrix is taken as given."""
    s, l = np.atleast_2d(scores), np.atleast_2d(labels)
    n, k = s.shape
    if l.shape == (n, k) and k != 1:
        return l
    y = np.zeros((n, k))
    y[np.arange(n), l.reshape(-1).astype(int)] = 1.0
    return y`,
  _cross_entropy: `def _cross_entropy(scores, labels):
    s = np.atleast_2d(scores)
    y = _targets(s, labels)
    return np.sum(y.sum(axis=1, keepdims=True) * _logsumexp(s) - (y * s).sum(axis=1, keepdims=True)) / s.shape[0]`,
  _onehot: `def _onehot(labels, k):
    return _targets(np.zeros((np.size(labels), k)), np.reshape(labels, (-1, 1)))`,
  _argmax: `def _argmax(x):
    return np.argmax(np.atleast_2d(x), axis=1).reshape(-1, 1) * 1.0`,
  _accuracy: `def _accuracy(scores, labels):
    return np.mean(_argmax(scores) == _argmax(_targets(scores, labels)))`,
  _check: `def _check(a, b, tol=1e-6):
    """1.0 when a and b agree to relative error tol (largest difference over largest magnitude), else 0.0."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return 0.0
    scale = max(np.max(np.abs(a)), np.max(np.abs(b)))
    err = 0.0 if scale == 0 else np.max(np.abs(a - b)) / scale
    return 1.0 if err <= tol else 0.0`,
  _sum_to: `def _sum_to(x, like):
    """x summed down to the shape of like: the adjoint of broadcasting."""
    shape = np.shape(like)
    if shape == () or shape == (1, 1):
        return np.sum(x)
    for axis in (0, 1):
        if shape[axis] == 1 and np.shape(x)[axis] != 1:
            x = x.sum(axis=axis, keepdims=True)
    return x`,
  _take: `def _take(x, idx):
    return np.atleast_2d(x)[np.asarray(idx).astype(int).ravel()]`,
  _scatter_rows: `def _scatter_rows(g, idx, like):
    z = np.zeros(np.shape(like))
    np.add.at(z, np.asarray(idx).astype(int).ravel(), g)
    return z`,
  _put_rows: `def _put_rows(x, start, like):
    z = np.zeros(np.shape(like))
    z[start:start + np.shape(x)[0]] = x
    return z`,
  _load: `def _load(text, rows, cols):
    """A matrix stored bit for bit: little-endian float64, base64."""
    return np.frombuffer(base64.b64decode(text), dtype="<f8").reshape(rows, cols).copy()`,
};

const TORCH_HELPERS: Readonly<Record<string, string>> = {
  ...TRAINING_HELPERS,
  _minibatch: `def _minibatch(n, size, seed, step):
    return torch.tensor(_batch_rows(n, size, seed, step), dtype=torch.float64).reshape(-1, 1)`,
  _grads: `def _grads(loss, params):
    """∂loss/∂p for each parameter (zeros where no gradient reaches it), leaving .grad as it is."""
    if not loss.requires_grad:  # only through argmax, comparisons…: no gradient reaches any of them
        return [torch.zeros_like(p) for p in params]
    gs = torch.autograd.grad(loss, params, allow_unused=True, retain_graph=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, gs)]`,
  _sigmoid: `def _sigmoid(x):
    return torch.sigmoid(x)`,
  _t: `def _t(x):
    return x if torch.is_tensor(x) else torch.tensor(x, dtype=torch.float64)`,
  _maximum: `def _maximum(a, b):
    return torch.maximum(_t(a), _t(b))`,
  _minimum: `def _minimum(a, b):
    return torch.minimum(_t(a), _t(b))`,
  _heaviside: `def _heaviside(x, h0):
    return torch.heaviside(_t(x), _t(h0))`,
  _where: `def _where(c, a, b):
    return torch.where(_t(c) != 0, _t(a), _t(b))`,
  _vdot: `def _vdot(a, b):
    return torch.sum(_t(a) * _t(b))`,
  _softmax: `def _softmax(x):
    return torch.softmax(torch.atleast_2d(x), dim=1).reshape(x.shape)`,
  _log_softmax: `def _log_softmax(x):
    return torch.log_softmax(torch.atleast_2d(x), dim=1).reshape(x.shape)`,
  _logsumexp: `def _logsumexp(x):
    return torch.logsumexp(torch.atleast_2d(x), dim=1, keepdim=True)`,
  _targets: `def _targets(scores, labels):
    s, l = torch.atleast_2d(scores), torch.atleast_2d(_t(labels)).detach()
    n, k = s.shape
    if tuple(l.shape) == (n, k) and k != 1:
        return l
    return torch.nn.functional.one_hot(l.reshape(-1).long(), k).to(torch.float64)`,
  _cross_entropy: `def _cross_entropy(scores, labels):
    s = torch.atleast_2d(scores)
    y = _targets(s, labels)
    return torch.sum(y.sum(dim=1, keepdim=True) * _logsumexp(s) - (y * s).sum(dim=1, keepdim=True)) / s.shape[0]`,
  _onehot: `def _onehot(labels, k):
    return _targets(torch.zeros(_t(labels).numel(), k, dtype=torch.float64), _t(labels).reshape(-1, 1))`,
  _argmax: `def _argmax(x):
    return torch.argmax(torch.atleast_2d(x), dim=1).reshape(-1, 1).to(torch.float64)`,
  _accuracy: `def _accuracy(scores, labels):
    return torch.mean((_argmax(scores) == _argmax(_targets(scores, labels))).to(torch.float64))`,
  _check: `def _check(a, b, tol=1e-6):
    a, b = _t(a).detach(), _t(b).detach()
    if not (torch.all(torch.isfinite(a)) and torch.all(torch.isfinite(b))):
        return torch.tensor(0.0, dtype=torch.float64)
    scale = max(a.abs().max().item(), b.abs().max().item())
    err = 0.0 if scale == 0 else (a - b).abs().max().item() / scale
    return torch.tensor(1.0 if err <= tol else 0.0, dtype=torch.float64)`,
  _take: `def _take(x, idx):
    return x[torch.as_tensor(idx).long().reshape(-1)]`,
  _scatter_rows: `def _scatter_rows(g, idx, like):
    z = torch.zeros(like.shape, dtype=torch.float64)
    return z.index_add(0, torch.as_tensor(idx).long().reshape(-1), g)`,
  _put_rows: `def _put_rows(x, start, like):
    z = torch.zeros(like.shape, dtype=torch.float64)
    z[start:start + x.shape[0]] = x
    return z`,
  _sum_to: `def _sum_to(x, like):
    for axis in (0, 1):
        if like.shape[axis] == 1 and x.shape[axis] != 1:
            x = x.sum(dim=axis, keepdim=True)
    return x`,
  _load: `def _load(text, rows, cols, grad=False):
    """A matrix stored bit for bit: little-endian float64, base64."""
    a = np.frombuffer(base64.b64decode(text), dtype="<f8").reshape(rows, cols).copy()
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)`,
};

/** The helpers the generated code calls, each once, in a fixed order (helpers may call helpers). */
export function helpersFor(d: Dialect, code: string): string {
  const table = d === 'numpy' ? NUMPY_HELPERS : TORCH_HELPERS;
  const used = new Set<string>();
  const pending = [code];
  while (pending.length) {
    const text = pending.pop()!;
    for (const name of Object.keys(table)) {
      if (!used.has(name) && text.includes(`${name}(`)) {
        used.add(name);
        pending.push(table[name]);
      }
    }
  }
  return Object.keys(table)
    .filter((n) => used.has(n))
    .map((n) => table[n])
    .join('\n\n\n');
}

/** How every exported script prints its cells: readable, or with --json the document of `gradsheet eval --json`. */
export const PRINTING = `def _number(x):
    x = float(x)
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _json(v):
    """A scalar as a number, a matrix as a list of rows, nothing as None (as gradsheet eval --json)."""
    if v is None:
        return None
    a = _array(v)
    if a.size == 1:
        return _number(a.reshape(-1)[0])
    return [[_number(x) for x in row] for row in np.atleast_2d(a)]


def _shape(v):
    s = np.shape(_array(v))
    return [1, 1] if s == () else [int(n) for n in s]


def _main():
    cells = [
        {"at": at, "name": name, "formula": formula, "shape": _shape(value), "value": _json(value), "grad": _json(grad), "error": None}
        for at, name, formula, value, grad in CELLS
    ]
    doc = {"cells": cells}
    if "TRAIN" in globals():
        doc["train"] = TRAIN
    if "--json" in sys.argv[1:]:
        print(json.dumps(doc, indent=2))
        return
    for c in cells:
        print(c["at"] + (" " + c["name"] if c["name"] else "") + " = " + c["formula"] + "  " + "x".join(map(str, c["shape"])))
        print("  value", np.array2string(_array(c["value"]), precision=6))
        if c["grad"] is not None:
            print("  grad ", np.array2string(_array(c["grad"]), precision=6))
`;

export const MAIN = `if __name__ == "__main__":
    _main()`;

export const ARRAY_NUMPY = `def _array(v):
    return np.asarray(v, dtype=float)`;

export const ARRAY_TORCH = `def _array(v):
    if torch.is_tensor(v):
        v = v.detach().numpy()
    return np.asarray(v, dtype=float)`;
