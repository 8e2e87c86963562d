#!/usr/bin/env python3
# Forks add gradients: exported by `gradsheet export --to pytorch`.
# The sheet as PyTorch tensors (float64, requires_grad on the inputs); autograd's backward() gives the gradients.
# python3 THIS.py prints every cell; python3 THIS.py --json prints the document of `gradsheet eval --json`.
import base64
import json
import math
import sys

import numpy as np
import torch


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
a = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)  # A1: 1.5
b = torch.tensor(-2, dtype=torch.float64, requires_grad=True)  # A2: -2
x = torch.tensor(3, dtype=torch.float64)  # A4: 3

# ---- forward pass: one line per operation
# B2 a_2 = tanh(a)
a_2 = torch.tanh(a)
if a_2.requires_grad: a_2.retain_grad()  # keep the cell's gradient
# B1 a_1 = a * b
a_1 = a * b
if a_1.requires_grad: a_1.retain_grad()  # keep the cell's gradient
# B4 xx = x * x
xx = x * x
# D6 dxx_dx = x + x
dxx_dx = x + x
# D1 dE_da1 = a_2
dE_da1 = a_2.clone()
# B3 E = a_1 * a_2
E = a_1 * a_2
if E.requires_grad: E.retain_grad()  # keep the cell's gradient
# D2 dE_da2 = a_1
dE_da2 = a_1.clone()
# D3 branch_1 = dE_da1 * b
branch_1 = dE_da1 * b
# D4 branch_2 = dE_da2 * (1 - tanh(a)^2)
branch_2_1 = torch.tanh(a)
branch_2_2 = branch_2_1 ** 2
branch_2_3 = 1 - branch_2_2
branch_2 = dE_da2 * branch_2_3
# D5 dE_da = branch_1 + branch_2
dE_da = branch_1 + branch_2

# ---- backward pass: ∂E/∂cell (the loss of C1)
E.backward()

CELLS = [
    ("A1", "a", "1.5", a, a.grad if a.grad is not None else torch.zeros_like(a)),
    ("A2", "b", "-2", b, b.grad if b.grad is not None else torch.zeros_like(b)),
    ("A4", "x", "3", x, None),
    ("B1", "a_1", "a * b", a_1, a_1.grad if a_1.grad is not None else torch.zeros_like(a_1)),
    ("B2", "a_2", "tanh(a)", a_2, a_2.grad if a_2.grad is not None else torch.zeros_like(a_2)),
    ("B3", "E", "a_1 * a_2", E, E.grad if E.grad is not None else torch.zeros_like(E)),
    ("B4", "xx", "x * x", xx, None),
    ("D1", "dE_da1", "a_2", dE_da1, None),
    ("D2", "dE_da2", "a_1", dE_da2, None),
    ("D3", "branch_1", "dE_da1 * b", branch_1, None),
    ("D4", "branch_2", "dE_da2 * (1 - tanh(a)^2)", branch_2, None),
    ("D5", "dE_da", "branch_1 + branch_2", dE_da, None),
    ("D6", "dxx_dx", "x + x", dxx_dx, None),
]


if __name__ == "__main__":
    _main()
