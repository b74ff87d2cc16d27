"""Hand-written NumPy floors of the sequence workloads: the GPT step and the LSTM language
model step (forward, hand-derived backward, update), written as a careful NumPy programmer
would. Shapes: B batch, T time, C width, V vocabulary."""
from __future__ import annotations

import math

import numpy as np

from .numpy_ref import NumpyAdam, _softmax_xent, lstm_backward, lstm_forward

try:  # what a NumPy programmer reaches for; without SciPy, minigrad's own float32 erf
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover - scipy is in the dev extra
    from minigrad.ops._special import erf as _erf_xp

    def _erf(x):
        return _erf_xp(np, x)


def _embed_backward(idx, g, rows):
    """Sum of the rows of g (n, C) landing on each of ``rows`` indices ``idx`` (n,): sorted,
    runs summed by ``add.reduceat`` (5x faster than ``np.add.at`` here)."""
    out = np.zeros((rows, g.shape[1]), g.dtype)
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    out[s[starts]] = np.add.reduceat(g[order], starts, axis=0)
    return out


def _ln(x, g, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    xc = x - mu
    rstd = 1.0 / np.sqrt(np.mean(xc * xc, -1, keepdims=True) + eps)
    xh = xc * rstd
    return xh * g + b, (xh, rstd)


def _ln_backward(gy, g, cache):
    xh, rstd = cache
    c = gy.shape[-1]
    gg = (gy * xh).reshape(-1, c).sum(0)
    gb = gy.reshape(-1, c).sum(0)
    gxh = gy * g
    gx = rstd * (gxh - gxh.mean(-1, keepdims=True) - xh * np.mean(gxh * xh, -1, keepdims=True))
    return gx, gg, gb


_SQRT1_2 = 1 / math.sqrt(2)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def make_gpt(idx, targets, params, heads, lr=1e-3, weight_decay=0.1):
    """The GPT step of ``workloads.fw_gpt``: AdamW on every parameter."""
    P = {k: v.copy() for k, v in params.items()}
    names = list(P)
    opt = NumpyAdam([P[k] for k in names], lr=lr, weight_decay=weight_decay)
    B, T = idx.shape
    V, C = P["tok.weight"].shape
    hs = C // heads
    layers = len({k.split(".")[1] for k in P if k.startswith("blocks.")})
    scale = 1.0 / math.sqrt(hs)
    mask = np.triu(np.full((T, T), -np.inf, np.float32), 1)  # added to the scores
    flat_idx, flat_tgt = idx.reshape(-1), targets.reshape(-1)

    def block_forward(x, pre):
        W = lambda n: P[pre + n]  # noqa: E731
        h1, ln1 = _ln(x, W("ln_1.weight"), W("ln_1.bias"))
        qkv = h1 @ W("attn.weight").T + W("attn.bias")
        q, k, v = qkv.reshape(B, T, 3, heads, hs).transpose(2, 0, 3, 1, 4)  # (B, nh, T, hs)
        s = q @ k.swapaxes(-1, -2)
        s *= scale
        s += mask
        s -= s.max(-1, keepdims=True)
        p = np.exp(s, out=s)
        p /= p.sum(-1, keepdims=True)
        y = (p @ v).transpose(0, 2, 1, 3).reshape(B, T, C)
        x = x + (y @ W("proj.weight").T + W("proj.bias"))
        h2, ln2 = _ln(x, W("ln_2.weight"), W("ln_2.bias"))
        f = h2 @ W("fc.weight").T + W("fc.bias")
        phi = 0.5 * (1.0 + _erf(f * _SQRT1_2))
        a = f * phi
        x = x + (a @ W("out.weight").T + W("out.bias"))
        return x, (h1, ln1, q, k, v, p, y, h2, ln2, f, phi, a)

    def block_backward(gx, pre, cache, G):
        W = lambda n: P[pre + n]  # noqa: E731
        h1, ln1, q, k, v, p, y, h2, ln2, f, phi, a = cache
        g2 = gx.reshape(-1, C)
        G[pre + "out.weight"] = g2.T @ a.reshape(-1, 4 * C)
        G[pre + "out.bias"] = g2.sum(0)
        ga = g2 @ W("out.weight")
        f2, phi2 = f.reshape(-1, 4 * C), phi.reshape(-1, 4 * C)
        gf = ga * (phi2 + f2 * np.exp(-0.5 * f2 * f2) * _INV_SQRT_2PI)
        G[pre + "fc.weight"] = gf.T @ h2.reshape(-1, C)
        G[pre + "fc.bias"] = gf.sum(0)
        gh2 = (gf @ W("fc.weight")).reshape(B, T, C)
        d, G[pre + "ln_2.weight"], G[pre + "ln_2.bias"] = _ln_backward(gh2, W("ln_2.weight"), ln2)
        gx = gx + d
        g2 = gx.reshape(-1, C)
        G[pre + "proj.weight"] = g2.T @ y.reshape(-1, C)
        G[pre + "proj.bias"] = g2.sum(0)
        gy = (g2 @ W("proj.weight")).reshape(B, T, heads, hs).transpose(0, 2, 1, 3)
        gp = gy @ v.swapaxes(-1, -2)
        gv = p.swapaxes(-1, -2) @ gy
        gp -= (gp * p).sum(-1, keepdims=True)
        gp *= p
        gp *= scale
        gq = gp @ k
        gk = gp.swapaxes(-1, -2) @ q
        gqkv = np.stack([gq, gk, gv]).transpose(1, 3, 0, 2, 4).reshape(-1, 3 * C)
        G[pre + "attn.weight"] = gqkv.T @ h1.reshape(-1, C)
        G[pre + "attn.bias"] = gqkv.sum(0)
        gh1 = (gqkv @ W("attn.weight")).reshape(B, T, C)
        d, G[pre + "ln_1.weight"], G[pre + "ln_1.bias"] = _ln_backward(gh1, W("ln_1.weight"), ln1)
        return gx + d

    def step():
        x = P["tok.weight"][idx] + P["pos.weight"][:T]
        caches = []
        for l in range(layers):
            x, cache = block_forward(x, f"blocks.{l}.")
            caches.append(cache)
        hf, lnf = _ln(x, P["ln_f.weight"], P["ln_f.bias"])
        logits = hf.reshape(-1, C) @ P["head.weight"].T
        loss, g = _softmax_xent(logits, flat_tgt)
        G = {"head.weight": g.T @ hf.reshape(-1, C)}
        gx, G["ln_f.weight"], G["ln_f.bias"] = _ln_backward((g @ P["head.weight"]).reshape(B, T, C),
                                                            P["ln_f.weight"], lnf)
        for l in reversed(range(layers)):
            gx = block_backward(gx, f"blocks.{l}.", caches[l], G)
        G["pos.weight"] = gx.sum(0)
        G["tok.weight"] = _embed_backward(flat_idx, gx.reshape(-1, C), V)
        opt.step([G[k] for k in names])
        return loss

    return step


def make_lstm_lm(inp, targets, params, lr=20.0, clip=0.25):
    """The word-language-model step of ``workloads.fw_lstm_lm``: embedding, LSTM, decoder,
    cross-entropy over every position, gradient norm clipped to ``clip``, plain SGD."""
    P = {k: v.copy() for k, v in params.items()}
    T, N = inp.shape
    V = P["decoder.weight"].shape[0]
    flat_inp, flat_tgt = inp.reshape(-1), targets.reshape(-1)

    def step():
        emb = P["encoder.weight"][inp]
        out, caches = lstm_forward(emb, P, "rnn.")
        H = out.shape[-1]
        logits = out.reshape(-1, H) @ P["decoder.weight"].T + P["decoder.bias"]
        loss, g = _softmax_xent(logits, flat_tgt)
        G = {"decoder.weight": g.T @ out.reshape(-1, H), "decoder.bias": g.sum(0)}
        grads, gemb = lstm_backward((g @ P["decoder.weight"]).reshape(T, N, H), caches, P, "rnn.")
        G.update(grads)
        G["encoder.weight"] = _embed_backward(flat_inp, gemb.reshape(T * N, -1), V)
        total = math.sqrt(sum(float(np.dot(v.ravel(), v.ravel())) for v in G.values()))
        coef = min(1.0, clip / (total + 1e-6))
        for k, v in G.items():
            P[k] -= (lr * coef) * v
        return loss

    return step
