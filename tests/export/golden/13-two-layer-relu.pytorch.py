#!/usr/bin/env python3
# Two-layer ReLU net: the notes' numpy backprop: exported by `gradsheet export --to pytorch`.
# The sheet as PyTorch tensors (float64, requires_grad on the inputs); autograd's backward() gives the gradients.
# python3 THIS.py prints every cell; python3 THIS.py --json prints the document of `gradsheet eval --json`.
import base64
import json
import math
import sys

import numpy as np
import torch


def _t(x):
    return x if torch.is_tensor(x) else torch.tensor(x, dtype=torch.float64)


def _maximum(a, b):
    return torch.maximum(_t(a), _t(b))


def _softmax(x):
    return torch.softmax(torch.atleast_2d(x), dim=1).reshape(x.shape)


def _logsumexp(x):
    return torch.logsumexp(torch.atleast_2d(x), dim=1, keepdim=True)


def _targets(scores, labels):
    s, l = torch.atleast_2d(scores), torch.atleast_2d(_t(labels)).detach()
    n, k = s.shape
    if tuple(l.shape) == (n, k) and k != 1:
        return l
    return torch.nn.functional.one_hot(l.reshape(-1).long(), k).to(torch.float64)


def _cross_entropy(scores, labels):
    s = torch.atleast_2d(scores)
    y = _targets(s, labels)
    return torch.sum(y.sum(dim=1, keepdim=True) * _logsumexp(s) - (y * s).sum(dim=1, keepdim=True)) / s.shape[0]


def _onehot(labels, k):
    return _targets(torch.zeros(_t(labels).numel(), k, dtype=torch.float64), _t(labels).reshape(-1, 1))


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
X = torch.tensor([[0.5, -1], [1.5, 0.3], [-0.7, 0.8]], dtype=torch.float64, requires_grad=True)  # A1: [[0.5, -1], [1.5, 0.3], [-0.7, 0.8]]
y = torch.tensor([[0], [1], [2]], dtype=torch.float64, requires_grad=True)  # A2: [[0], [1], [2]]
W = torch.tensor([[1, -0.8, 0.5, -0.3], [0.6, 0.9, -1.2, 0.4]], dtype=torch.float64, requires_grad=True)  # A3: [[1, -0.8, 0.5, -0.3], [0.6, 0.9, -1.2, 0.4]]
b = torch.tensor([[0.3, -0.2, 0.3, 0.05]], dtype=torch.float64, requires_grad=True)  # A4: [[0.3, -0.2, 0.3, 0.05]]
W2 = torch.tensor([[0.5, -0.4, 0.3], [-0.6, 0.8, 0.2], [0.7, 0.1, -0.5], [0.2, -0.3, 0.9]], dtype=torch.float64, requires_grad=True)  # A5: [[0.5, -0.4, 0.3], [-0.6, 0.8, 0.2], [0.7, 0.1, -0.5], [0.2, -0.3, 0.9]]
b2 = torch.tensor([[0, 0.1, -0.1]], dtype=torch.float64, requires_grad=True)  # A6: [[0, 0.1, -0.1]]

# ---- forward pass: one line per operation
# B1 hidden_layer = max(0, X @ W + b)
hidden_layer_1 = X @ W
hidden_layer_2 = hidden_layer_1 + b
hidden_layer = _maximum(0, hidden_layer_2)  # from max
if hidden_layer.requires_grad: hidden_layer.retain_grad()  # keep the cell's gradient
# B2 scores = hidden_layer @ W2 + b2
scores_1 = hidden_layer @ W2
scores = scores_1 + b2
if scores.requires_grad: scores.retain_grad()  # keep the cell's gradient
# B3 probs = softmax(scores)
probs = _softmax(scores)
# B4 loss = cross_entropy(scores, y)
loss = _cross_entropy(scores, y)
if loss.requires_grad: loss.retain_grad()  # keep the cell's gradient
# D1 dscores = (probs - onehot(y, 3)) / 3
dscores_1 = _onehot(y, 3)
dscores_2 = probs - dscores_1
dscores = dscores_2 / 3
# F1 = check(loss, 1.221360827860561)
F1 = _check(loss, 1.221360827860561)
# D2 dW2 = hidden_layer.T @ dscores
dW2_1 = hidden_layer.T
dW2 = dW2_1 @ dscores
# D3 db2 = sum(dscores, 0)
db2 = dscores.sum(dim=0, keepdim=True)
# D4 dhidden = (dscores @ W2.T) * (hidden_layer > 0)
dhidden_1 = W2.T
dhidden_2 = dscores @ dhidden_1
dhidden_3 = (hidden_layer > 0) * 1.0
dhidden = dhidden_2 * dhidden_3
# D5 dW = X.T @ dhidden
dW_1 = X.T
dW = dW_1 @ dhidden
# D6 db = sum(dhidden, 0)
db = dhidden.sum(dim=0, keepdim=True)

# ---- backward pass: ∂loss/∂cell (the loss of C1)
loss.backward()

CELLS = [
    ("A1", "X", "[[0.5, -1], [1.5, 0.3], [-0.7, 0.8]]", X, X.grad if X.grad is not None else torch.zeros_like(X)),
    ("A2", "y", "[[0], [1], [2]]", y, y.grad if y.grad is not None else torch.zeros_like(y)),
    ("A3", "W", "[[1, -0.8, 0.5, -0.3], [0.6, 0.9, -1.2, 0.4]]", W, W.grad if W.grad is not None else torch.zeros_like(W)),
    ("A4", "b", "[[0.3, -0.2, 0.3, 0.05]]", b, b.grad if b.grad is not None else torch.zeros_like(b)),
    ("A5", "W2", "[[0.5, -0.4, 0.3], [-0.6, 0.8, 0.2], [0.7, 0.1, -0.5], [0.2, -0.3, 0.9]]", W2, W2.grad if W2.grad is not None else torch.zeros_like(W2)),
    ("A6", "b2", "[[0, 0.1, -0.1]]", b2, b2.grad if b2.grad is not None else torch.zeros_like(b2)),
    ("B1", "hidden_layer", "max(0, X @ W + b)", hidden_layer, hidden_layer.grad if hidden_layer.grad is not None else torch.zeros_like(hidden_layer)),
    ("B2", "scores", "hidden_layer @ W2 + b2", scores, scores.grad if scores.grad is not None else torch.zeros_like(scores)),
    ("B3", "probs", "softmax(scores)", probs, None),
    ("B4", "loss", "cross_entropy(scores, y)", loss, loss.grad if loss.grad is not None else torch.zeros_like(loss)),
    ("D1", "dscores", "(probs - onehot(y, 3)) / 3", dscores, None),
    ("D2", "dW2", "hidden_layer.T @ dscores", dW2, None),
    ("D3", "db2", "sum(dscores, 0)", db2, None),
    ("D4", "dhidden", "(dscores @ W2.T) * (hidden_layer > 0)", dhidden, None),
    ("D5", "dW", "X.T @ dhidden", dW, None),
    ("D6", "db", "sum(dhidden, 0)", db, None),
    ("F1", None, "check(loss, 1.221360827860561)", F1, None),
]


if __name__ == "__main__":
    _main()
