#!/usr/bin/env python3
# Training: XOR with a 2-2-1 sigmoid network: exported by `gradsheet export --to pytorch`.
# The sheet as PyTorch tensors (float64, requires_grad on the inputs); autograd's backward() gives the gradients.
# python3 THIS.py [--steps N] trains N steps (SPEC §4) and prints every cell; with --json, the document of
# `gradsheet eval --json` plus "train": the losses, as `gradsheet train --json` gives them.
import base64
import json
import math
import sys

import numpy as np
import torch


def _steps_arg(default):
    """--steps N on the command line (training steps to take first), else default."""
    args = sys.argv[1:]
    for k, a in enumerate(args):
        text = (args[k + 1] if k + 1 < len(args) else "") if a == "--steps" else a[8:] if a.startswith("--steps=") else None
        if text is not None:
            if not text.isdigit():
                sys.exit("--steps expects a whole number of steps, got " + repr(text))
            return int(text)
    return default


def _record(curves, name, i, steps, step, loss):
    """This step's loss on the curve of its cell; printed (every step, or 20 times in a long run) unless --json."""
    x = float(loss)
    if x != x or x in (float("inf"), float("-inf")):
        sys.exit("step %d: the loss %s is %s; stopped, the parameters are those after step %d" % (step, name, x, step))
    curves[name].append([step, x])
    if "--json" not in sys.argv[1:] and (i % max(1, steps // 20) == 0 or i == steps - 1):
        print("step %d: %s %.6g" % (step, name, x))


def _last(curve, now):
    """The loss of the last step taken, or the loss now when no step was."""
    return curve[-1][1] if curve else float(now)


def _grads(loss, params):
    """∂loss/∂p for each parameter (zeros where no gradient reaches it), leaving .grad as it is."""
    if not loss.requires_grad:  # only through argmax, comparisons…: no gradient reaches any of them
        return [torch.zeros_like(p) for p in params]
    gs = torch.autograd.grad(loss, params, allow_unused=True, retain_graph=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, gs)]


def _sigmoid(x):
    return torch.sigmoid(x)


def _t(x):
    return x if torch.is_tensor(x) else torch.tensor(x, dtype=torch.float64)


def _check(a, b, tol=1e-6):
    a, b = _t(a).detach(), _t(b).detach()
    if not (torch.all(torch.isfinite(a)) and torch.all(torch.isfinite(b))):
        return torch.tensor(0.0, dtype=torch.float64)
    scale = max(a.abs().max().item(), b.abs().max().item())
    err = 0.0 if scale == 0 else (a - b).abs().max().item() / scale
    return torch.tensor(1.0 if err <= tol else 0.0, dtype=torch.float64)


def _array(v):
    if torch.is_tensor(v):
        v = v.detach().numpy()
    return np.asarray(v, dtype=float)


def _number(x):
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



# ---- inputs: the cells the sheet takes as given
X = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=torch.float64, requires_grad=True)  # A1: xor()
t = torch.tensor([[0], [1], [1], [0]], dtype=torch.float64, requires_grad=True)  # A2: xor_labels()
lr = torch.tensor(2, dtype=torch.float64)  # A3: 2
mu = torch.tensor(0.9, dtype=torch.float64)  # A4: 0.9
W1 = torch.tensor([[1.4043387784152637, 1.2157546192705377], [-0.5103768768108126, -0.2518183315501483]], dtype=torch.float64, requires_grad=True)  # B1: parameter
b1 = torch.tensor([[0, 0]], dtype=torch.float64, requires_grad=True)  # B2: parameter
W2 = torch.tensor([[0.05014516861224398], [-0.7766892801156745]], dtype=torch.float64, requires_grad=True)  # B3: parameter
b2 = torch.tensor(0, dtype=torch.float64, requires_grad=True)  # B4: parameter

# ---- training state (SPEC §4), as saved with the sheet
STEP = 0  # step(): the training steps taken
opt = 0  # C4 = sgd(loss, lr, mu): the steps it has taken (its value)
v_W1 = torch.zeros_like(W1)  # its velocity for B1
v_b1 = torch.zeros_like(b1)  # its velocity for B2
v_W2 = torch.zeros_like(W2)  # its velocity for B3
v_b2 = torch.zeros_like(b2)  # its velocity for B4

# ---- training: python3 THIS.py --steps N trains N steps first (exported with --steps 0; SPEC §4)
STEPS = _steps_arg(0)
CURVE = {"loss": []}
for _i in range(STEPS):
    # (1) cells that read step() take this step's value; (2) forward: what the optimizers read
    # C1 h = sigmoid(X @ W1 + b1)
    h_1 = X @ W1
    h_2 = h_1 + b1
    h = _sigmoid(h_2)
    # C2 out = sigmoid(h @ W2 + b2)
    out_1 = h @ W2
    out_2 = out_1 + b2
    out = _sigmoid(out_2)
    # C3 loss = mse(out, t)
    loss_1 = out  # from mse
    loss_2 = loss_1 - t  # from mse
    loss_3 = loss_2 * loss_2  # from mse
    loss = loss_3.mean()  # from mse
    _record(CURVE, "loss", _i, STEPS, STEP, loss)
    # (3) every optimizer's gradients, before any parameter changes
    dW1, db1, dW2, db2 = _grads(loss, [W1, b1, W2, b2])  # ∂loss/∂parameter, for C4
    # (4) every optimizer updates its parameters
    with torch.no_grad():  # by hand, not torch.optim: the sheet's arithmetic, so the numbers match
        # C4 opt = sgd(loss, lr, mu): SGD with momentum: v = mu*v + dw; w -= lr * v
        opt += 1
        v_W1 = mu * v_W1 + dW1
        W1 -= lr * v_W1
        v_b1 = mu * v_b1 + db1
        b1 -= lr * v_b1
        v_W2 = mu * v_W2 + dW2
        W2 -= lr * v_W2
        v_b2 = mu * v_b2 + db2
        b2 -= lr * v_b2
    # (5) step() grows by 1
    STEP += 1

# ---- forward pass after training: one line per operation
# C1 h = sigmoid(X @ W1 + b1)
h_1 = X @ W1
h_2 = h_1 + b1
h = _sigmoid(h_2)
if h.requires_grad: h.retain_grad()  # keep the cell's gradient
# C2 out = sigmoid(h @ W2 + b2)
out_1 = h @ W2
out_2 = out_1 + b2
out = _sigmoid(out_2)
if out.requires_grad: out.retain_grad()  # keep the cell's gradient
# C3 loss = mse(out, t)
loss_1 = out  # from mse
loss_2 = loss_1 - t  # from mse
loss_3 = loss_2 * loss_2  # from mse
loss = loss_3.mean()  # from mse
if loss.requires_grad: loss.retain_grad()  # keep the cell's gradient
# C5 right = sum((out > 0.5) == t)
right_1 = (out > 0.5) * 1.0
right_2 = (right_1 == t) * 1.0
right = right_2.sum()
# D3 = check(out, sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2))
D3_1 = X @ W1
D3_2 = D3_1 + b1
D3_3 = _sigmoid(D3_2)
D3_4 = D3_3 @ W2
D3_5 = D3_4 + b2
D3_6 = _sigmoid(D3_5)
D3 = _check(out, D3_6)

# the losses as `gradsheet train --json` reports them: the last step's (the loss now when no step was taken)
TRAIN = {"steps": STEPS, "loss": {"loss": _last(CURVE["loss"], loss)}, "curve": CURVE}

# ---- backward pass: ∂loss/∂cell (the loss of D1)
loss.backward()

CELLS = [
    ("A1", "X", "xor()", X, X.grad if X.grad is not None else torch.zeros_like(X)),
    ("A2", "t", "xor_labels()", t, t.grad if t.grad is not None else torch.zeros_like(t)),
    ("A3", "lr", "2", lr, None),
    ("A4", "mu", "0.9", mu, None),
    ("B1", "W1", "param(randn(2, 2, 1))", W1, W1.grad if W1.grad is not None else torch.zeros_like(W1)),
    ("B2", "b1", "param(zeros(1, 2))", b1, b1.grad if b1.grad is not None else torch.zeros_like(b1)),
    ("B3", "W2", "param(randn(2, 1, 101))", W2, W2.grad if W2.grad is not None else torch.zeros_like(W2)),
    ("B4", "b2", "param(zeros(1, 1))", b2, b2.grad if b2.grad is not None else torch.zeros_like(b2)),
    ("C1", "h", "sigmoid(X @ W1 + b1)", h, h.grad if h.grad is not None else torch.zeros_like(h)),
    ("C2", "out", "sigmoid(h @ W2 + b2)", out, out.grad if out.grad is not None else torch.zeros_like(out)),
    ("C3", "loss", "mse(out, t)", loss, loss.grad if loss.grad is not None else torch.zeros_like(loss)),
    ("C4", "opt", "sgd(loss, lr, mu)", opt, None),
    ("C5", "right", "sum((out > 0.5) == t)", right, None),
    ("D3", None, "check(out, sigmoid(sigmoid(X @ W1 + b1) @ W2 + b2))", D3, None),
]


if __name__ == "__main__":
    _main()
