"""Hand-written NumPy implementations of each workload: the floor minigrad is measured against.

Each ``make_*`` takes the shared data/initial weights (NumPy arrays) and returns a
zero-argument callable running one iteration, written the way a careful NumPy
programmer would (in-place updates, no autograd).
"""
from __future__ import annotations

import numpy as np


def make_small_ops(x0, b, c, n_ops):
    """(x + b) * c repeated n_ops/2 times, forward + hand-derived backward."""

    def step():
        xs = []
        x = x0
        for _ in range(n_ops // 2):
            xs.append(x)
            x = (x + b) * c
        g = np.ones_like(x)
        gb = np.zeros_like(b)
        gc = np.zeros_like(c)
        for xi in reversed(xs):
            gc += g * (xi + b)
            g = g * c
            gb += g
        return g, gb, gc

    return step


def make_two_layer(x, y, w1, w2, lr):
    w1, w2 = w1.copy(), w2.copy()

    def step():
        h = x @ w1
        h_relu = np.maximum(h, 0)
        y_pred = h_relu @ w2
        diff = y_pred - y
        loss = float(np.square(diff).sum())
        g = 2.0 * diff
        gw2 = h_relu.T @ g
        gh = g @ w2.T
        gh *= h > 0
        gw1 = x.T @ gh
        np.subtract(w1, lr * gw1, out=w1)
        np.subtract(w2, lr * gw2, out=w2)
        return loss

    return step


def _softmax_xent(logits, labels):
    m = logits.max(axis=1, keepdims=True)
    z = logits - m
    e = np.exp(z)
    s = e.sum(axis=1, keepdims=True)
    n = logits.shape[0]
    loss = float((np.log(s)[:, 0] - z[np.arange(n), labels]).mean())
    g = e / s
    g[np.arange(n), labels] -= 1.0
    g /= n
    return loss, g


class NumpyAdam:
    """Adam; with ``weight_decay`` AdamW's decoupled decay (p *= 1 - lr * wd first)."""

    def __init__(self, params, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.0):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, b1, b2, eps
        self.wd = weight_decay
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        b1, b2 = self.b1, self.b2
        c1 = 1 - b1**self.t
        c2 = 1 - b2**self.t
        step = self.lr / c1
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            if self.wd:
                p *= 1 - self.lr * self.wd
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            d = np.sqrt(v)
            d *= 1 / np.sqrt(c2)
            d += self.eps
            np.divide(m, d, out=d)
            d *= step
            p -= d


def make_mlp(x, labels, weights, biases, adam_lr=1e-3):
    """784-1024-1024-10 ReLU MLP, cross-entropy, Adam; returns (step, fwd_bwd, adam_only)."""
    W = [w.copy() for w in weights]  # (out, in) like torch Linear
    B = [b.copy() for b in biases]
    opt = NumpyAdam(W + B, lr=adam_lr)

    def fwd_bwd():
        acts = [x]
        h = x
        for i, (w, b) in enumerate(zip(W, B)):
            h = h @ w.T + b
            if i < len(W) - 1:
                np.maximum(h, 0, out=h)
            acts.append(h)
        loss, g = _softmax_xent(h, labels)
        gW, gB = [None] * len(W), [None] * len(B)
        for i in reversed(range(len(W))):
            gW[i] = g.T @ acts[i]
            gB[i] = g.sum(axis=0)
            if i > 0:
                g = g @ W[i]
                g *= acts[i] > 0
        return loss, gW + gB

    grads_cache = fwd_bwd()[1]

    def step():
        loss, grads = fwd_bwd()
        opt.step(grads)
        return loss

    def adam_only():
        opt.step(grads_cache)

    return step, fwd_bwd, adam_only


# ---- LeNet: im2col with rows = C*k*k, col2im by k*k strided adds, max-pool by sub-grids ----

def _im2col(x, k, pad):
    n, c, h, w = x.shape
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - k + 1, w + 2 * pad - k + 1
    cols = np.empty((c, k, k, n, oh, ow), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, i, j] = x[:, :, i:i + oh, j:j + ow].transpose(1, 0, 2, 3)
    return cols.reshape(c * k * k, n * oh * ow), (oh, ow)


def _col2im(gcols, shape, k, pad, oh, ow):
    n, c, h, w = shape
    gx = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=gcols.dtype)
    g = gcols.reshape(c, k, k, n, oh, ow)
    for i in range(k):
        for j in range(k):
            gx[:, :, i:i + oh, j:j + ow] += g[:, i, j].transpose(1, 0, 2, 3)
    return gx[:, :, pad:pad + h, pad:pad + w] if pad else gx


def _conv_fwd(x, w, b, pad):
    oc, c, k, _ = w.shape
    cols, (oh, ow) = _im2col(x, k, pad)
    y = (w.reshape(oc, -1) @ cols + b[:, None]).reshape(oc, x.shape[0], oh, ow).transpose(1, 0, 2, 3)
    return y, (cols, oh, ow)


def _conv_bwd(gy, x, w, cache, pad):
    cols, oh, ow = cache
    oc, c, k, _ = w.shape
    g2 = gy.transpose(1, 0, 2, 3).reshape(oc, -1)
    gw = (g2 @ cols.T).reshape(w.shape)
    gb = g2.sum(axis=1)
    gx = _col2im(w.reshape(oc, -1).T @ g2, x.shape, k, pad, oh, ow)
    return gx, gw, gb


def _pool_fwd(x):
    a, b_ = x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2]
    c, d = x[:, :, 1::2, 0::2], x[:, :, 1::2, 1::2]
    return np.maximum(np.maximum(a, b_), np.maximum(c, d))


def _pool_bwd(gy, x, y):
    gx = np.zeros_like(x)
    taken = np.zeros(y.shape, dtype=bool)
    for di in (0, 1):
        for dj in (0, 1):
            sub = x[:, :, di::2, dj::2]
            hit = (sub == y) & ~taken
            gx[:, :, di::2, dj::2] = gy * hit
            taken |= hit
    return gx


def make_lenet(x, labels, params, lr=0.01):
    """Returns (step, forward) for the LeNet workload (SGD)."""
    P = {k: v.copy() for k, v in params.items()}

    def forward(train=False):
        c1, k1 = _conv_fwd(x, P["c1.weight"], P["c1.bias"], 2)
        r1 = np.maximum(c1, 0)
        p1 = _pool_fwd(r1)
        c2, k2 = _conv_fwd(p1, P["c2.weight"], P["c2.bias"], 0)
        r2 = np.maximum(c2, 0)
        p2 = _pool_fwd(r2)
        f = p2.reshape(x.shape[0], -1)
        h1 = np.maximum(f @ P["f1.weight"].T + P["f1.bias"], 0)
        h2 = np.maximum(h1 @ P["f2.weight"].T + P["f2.bias"], 0)
        out = h2 @ P["f3.weight"].T + P["f3.bias"]
        if not train:
            return out
        return out, (c1, k1, r1, p1, c2, k2, r2, p2, f, h1, h2)

    def step():
        out, (c1, k1, r1, p1, c2, k2, r2, p2, f, h1, h2) = forward(True)
        loss, g = _softmax_xent(out, labels)
        G = {}
        G["f3.weight"], G["f3.bias"] = g.T @ h2, g.sum(0)
        g = (g @ P["f3.weight"]) * (h2 > 0)
        G["f2.weight"], G["f2.bias"] = g.T @ h1, g.sum(0)
        g = (g @ P["f2.weight"]) * (h1 > 0)
        G["f1.weight"], G["f1.bias"] = g.T @ f, g.sum(0)
        g = (g @ P["f1.weight"]).reshape(p2.shape)
        g = _pool_bwd(g, r2, p2) * (c2 > 0)
        g, G["c2.weight"], G["c2.bias"] = _conv_bwd(g, p1, P["c2.weight"], k2, 0)
        g = _pool_bwd(g, r1, p1) * (c1 > 0)
        _, G["c1.weight"], G["c1.bias"] = _conv_bwd(g, x, P["c1.weight"], k1, 2)
        for k, v in G.items():
            P[k] -= lr * v
        return loss

    return step, forward


# ---- LSTM: 2 layers, hand-derived BPTT, SGD ----

def _sigmoid(x):
    return 0.5 * (np.tanh(0.5 * x) + 1)


def lstm_forward(x, P, prefix=""):
    """A multi-layer LSTM over x (T, N, I) with torch's parameter names (``prefix`` +
    weight_ih_l{k} (4H, in), gates i, f, g, o); zero initial state. Returns (out, caches)."""
    T, N, _ = x.shape
    layers = sorted({int(k.split("_l")[-1]) for k in P if k.startswith(prefix + "weight_ih")})
    inp = x
    caches = []
    for l in layers:
        Wih, Whh = P[f"{prefix}weight_ih_l{l}"], P[f"{prefix}weight_hh_l{l}"]
        b = P[f"{prefix}bias_ih_l{l}"] + P[f"{prefix}bias_hh_l{l}"]
        H = Whh.shape[1]
        xproj = (inp.reshape(T * N, -1) @ Wih.T + b).reshape(T, N, 4 * H)
        h = np.zeros((N, H), x.dtype)
        c = np.zeros((N, H), x.dtype)
        hs, cs, gates = [h], [c], []
        for t in range(T):
            z = xproj[t] + h @ Whh.T
            i, f = _sigmoid(z[:, :H]), _sigmoid(z[:, H:2 * H])
            g, o = np.tanh(z[:, 2 * H:3 * H]), _sigmoid(z[:, 3 * H:])
            c = f * c + i * g
            tc = np.tanh(c)
            h = o * tc
            hs.append(h)
            cs.append(c)
            gates.append((i, f, g, o, tc))
        out = np.stack(hs[1:])
        caches.append((l, inp, hs, cs, gates))
        inp = out
    return inp, caches


def lstm_backward(gout, caches, P, prefix=""):
    """Backpropagation through time for ``lstm_forward``: (gradients by name, grad of x);
    the two biases share one gradient array."""
    grads = {}
    for l, inp_l, hs, cs, gates in reversed(caches):
        Wih, Whh = P[f"{prefix}weight_ih_l{l}"], P[f"{prefix}weight_hh_l{l}"]
        H = Whh.shape[1]
        T, N = gout.shape[:2]
        gz_all = np.empty((T, N, 4 * H), gout.dtype)
        gh = np.zeros((N, H), gout.dtype)
        gc = np.zeros((N, H), gout.dtype)
        for t in reversed(range(T)):
            i, f, g, o, tc = gates[t]
            gh = gh + gout[t]
            go = gh * tc
            gc = gc + gh * o * (1 - tc * tc)
            gi, gf, gg = gc * g, gc * cs[t], gc * i
            gc = gc * f
            gz = gz_all[t]
            gz[:, :H] = gi * i * (1 - i)
            gz[:, H:2 * H] = gf * f * (1 - f)
            gz[:, 2 * H:3 * H] = gg * (1 - g * g)
            gz[:, 3 * H:] = go * o * (1 - o)
            gh = gz @ Whh
        hprev = np.stack(hs[:-1]).reshape(T * N, H)
        gz2 = gz_all.reshape(T * N, 4 * H)
        grads[f"{prefix}weight_hh_l{l}"] = gz2.T @ hprev
        grads[f"{prefix}weight_ih_l{l}"] = gz2.T @ inp_l.reshape(T * N, -1)
        grads[f"{prefix}bias_ih_l{l}"] = grads[f"{prefix}bias_hh_l{l}"] = gz2.sum(0)
        gout = (gz2 @ Wih).reshape(T, N, -1)
    return grads, gout


def make_lstm(x, target, params, lr=0.01):
    """x: (T, N, I); params in torch's layout (weight_ih_l{k} (4H, in), gates i,f,g,o)."""
    P = {k: v.copy() for k, v in params.items()}

    def step():
        out, caches = lstm_forward(x, P)
        diff = out - target
        loss = float(np.mean(diff * diff))
        grads, _ = lstm_backward(2 * diff / diff.size, caches, P)
        for k, g in grads.items():
            P[k] -= lr * g
        return loss

    return step
