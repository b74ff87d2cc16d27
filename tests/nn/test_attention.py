"""scaled_dot_product_attention, MultiheadAttention and the Transformer encoder against
PyTorch (weights copied through the state dict), gradchecks and mask semantics."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: thread start-up dominates on a busy machine


def _leaf(a):
    if a is None:
        return None, None
    g = a.dtype.kind == "f"
    return mg.tensor(a, requires_grad=g), torch.tensor(a, requires_grad=g)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def _copy(m, t):
    sd = t.state_dict()
    assert list(m.state_dict()) == list(sd), "state-dict keys differ from PyTorch"
    m.load_state_dict({k: mg.tensor(v.numpy()) for k, v in sd.items()})
    return m.double()


def _backward_and_compare(outs_m, outs_t, leaves, m, t, rng):
    loss_m, loss_t = mg.tensor(0.0, dtype=mg.float64), 0
    for om, ot in zip(outs_m, outs_t):
        g = rng.standard_normal(tuple(om.shape))
        loss_m = loss_m + (om * mg.tensor(g)).sum()
        loss_t = loss_t + (ot * torch.tensor(g)).sum()
    loss_m.backward()
    loss_t.backward()
    for a, b in leaves:
        if a is not None and a.requires_grad:
            _close(a.grad, b.grad, 1e-9)
    if m is not None:
        tp = dict(t.named_parameters())
        for name, p in m.named_parameters():
            _close(p.grad, tp[name].grad, 1e-9)


# ---- scaled_dot_product_attention --------------------------------------------------------------

def _sdpa_masks(rng, L, S):
    keep = rng.random((L, S)) > 0.4
    keep[:, 0] = True
    return {
        "none": {}, "causal": {"is_causal": True}, "scale": {"scale": 0.3},
        "bool": {"attn_mask": keep}, "float": {"attn_mask": rng.standard_normal((2, 1, L, S))},
    }


@pytest.mark.parametrize("mask", ["none", "causal", "scale", "bool", "float"])
def test_sdpa_vs_torch(mask, rng):
    L, S = 3, 4
    q, k, v = (rng.standard_normal(s) for s in [(2, 2, L, 5), (2, 2, S, 5), (2, 2, S, 3)])
    kw = _sdpa_masks(rng, L, S)[mask]
    (qm, qt), (km, kt), (vm, vt) = _leaf(q), _leaf(k), _leaf(v)
    kw_m = {a: (_leaf(b)[0] if isinstance(b, np.ndarray) else b) for a, b in kw.items()}
    kw_t = {a: (_leaf(b)[1] if isinstance(b, np.ndarray) else b) for a, b in kw.items()}
    om = F.scaled_dot_product_attention(qm, km, vm, **kw_m)
    ot = torch.nn.functional.scaled_dot_product_attention(qt, kt, vt, **kw_t)
    _close(om, ot)
    leaves = [(qm, qt), (km, kt), (vm, vt)]
    if mask == "float":
        leaves.append((kw_m["attn_mask"], kw_t["attn_mask"]))
    _backward_and_compare([om], [ot], leaves, None, None, rng)


def test_sdpa_fully_masked_row_is_zero_and_finite():
    q, k, v = mg.randn(1, 2, 4, requires_grad=True), mg.randn(1, 3, 4), mg.randn(1, 3, 2)
    keep = mg.tensor([[True, False, True], [False, False, False]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
    out.sum().backward()
    assert (out.detach().numpy()[0, 1] == 0).all() and np.isfinite(q.grad.numpy()).all()
    assert (q.grad.numpy()[0, 1] == 0).all()
    t = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q.detach().numpy()), torch.tensor(k.numpy()), torch.tensor(v.numpy()),
        attn_mask=torch.tensor(keep.numpy()))
    np.testing.assert_allclose(out.detach().numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


def test_sdpa_gradcheck_and_dropout(rng):
    q, k, v = (mg.tensor(rng.standard_normal(s), requires_grad=True)
               for s in [(2, 3), (4, 3), (4, 2)])
    mask = mg.tensor(rng.standard_normal((2, 4)))
    fn = lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask)  # noqa: E731
    assert gradcheck(fn, [q, k, v])
    assert gradgradcheck(fn, [q, k, v])
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    assert (out.detach().numpy() == 0).all()
    with pytest.raises(RuntimeError, match="is_causal"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=True)
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4, 2\)"):
        F.scaled_dot_product_attention(q, v, v)


# ---- MultiheadAttention -------------------------------------------------------------------------

MHA_CASES = [
    dict(), dict(batch_first=True), dict(need_weights=False), dict(average=False),
    dict(mask="bool"), dict(mask="float"), dict(mask="3d"), dict(kpm="bool", batch_first=True),
    dict(kpm="float", mask="float"), dict(cross=True), dict(kdim=3, vdim=5), dict(bias=False),
    dict(unbatched=True, kpm="bool"), dict(self_attn=True, mask="causal"),
]


@pytest.mark.parametrize("case", MHA_CASES,
                         ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()) or "plain")
def test_mha_vs_torch(case, rng):
    E, H, L, S, N = 6, 2, 3, 4, 2
    kdim, vdim = case.get("kdim", E), case.get("vdim", E)
    bf = case.get("batch_first", False)
    args = dict(bias=case.get("bias", True), batch_first=bf)
    if "kdim" in case:
        args.update(kdim=kdim, vdim=vdim)
    t = torch.nn.MultiheadAttention(E, H, **args).double()
    m = _copy(nn.MultiheadAttention(E, H, **args), t)
    def lead(n, T):
        return (T,) if case.get("unbatched") else ((n, T) if bf else (T, n))

    q = rng.standard_normal(lead(N, L) + (E,))
    if case.get("self_attn"):
        S = L
    k = rng.standard_normal(lead(N, S) + (kdim,))
    v = rng.standard_normal(lead(N, S) + (vdim,)) if (case.get("cross") or "vdim" in case) else k
    (qm, qt), (km, kt) = _leaf(q), _leaf(k)
    vm, vt = (km, kt) if v is k else _leaf(v)
    if case.get("self_attn"):
        km = vm = qm
        kt = vt = qt
    kw_m, kw_t = {}, {}
    mask = case.get("mask")
    if mask == "causal":
        kw_m["attn_mask"] = mg.tensor(np.triu(np.ones((L, S), bool), 1))
        kw_t["attn_mask"] = torch.tensor(np.triu(np.ones((L, S), bool), 1))
    elif mask is not None:
        shape = (N * H, L, S) if mask == "3d" else (L, S)
        a = rng.random(shape) < 0.3 if mask == "bool" else rng.standard_normal(shape)
        if mask == "bool":
            a[..., 0] = False  # every query keeps a key
        kw_m["attn_mask"], kw_t["attn_mask"] = mg.tensor(a), torch.tensor(a)
    if case.get("kpm"):
        n = () if case.get("unbatched") else (N,)
        a = np.zeros(n + (S,), bool)
        a[..., -1] = True
        if case["kpm"] == "float":
            a = rng.standard_normal(n + (S,))
        kw_m["key_padding_mask"], kw_t["key_padding_mask"] = mg.tensor(a), torch.tensor(a)
    nw = case.get("need_weights", True)
    avg = case.get("average", True)
    om, wm = m(qm, km, vm, need_weights=nw, average_attn_weights=avg, **kw_m)
    ot, wt = t(qt, kt, vt, need_weights=nw, average_attn_weights=avg, **kw_t)
    _close(om, ot)
    outs_m, outs_t = [om], [ot]
    if nw:
        assert tuple(wm.shape) == tuple(wt.shape)
        _close(wm, wt)
        outs_m.append(wm)
        outs_t.append(wt)
    else:
        assert wm is None and wt is None
    _backward_and_compare(outs_m, outs_t, [(qm, qt), (km, kt), (vm, vt)], m, t, rng)


def test_mha_init_and_names():
    m = nn.MultiheadAttention(16, 4)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in torch.nn.MultiheadAttention(16, 4).state_dict().items()]
    w = m.in_proj_weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 48))  # xavier_uniform_ over the (3E, E) matrix
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert (m.in_proj_bias.detach().numpy() == 0).all()
    assert (m.out_proj.bias.detach().numpy() == 0).all()
    sep = nn.MultiheadAttention(6, 2, kdim=3, vdim=5)
    sep_t = torch.nn.MultiheadAttention(6, 2, kdim=3, vdim=5)
    assert list(sep.state_dict()) == list(sep_t.state_dict())
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(RuntimeError, match=r"2D attn_mask.*\(3, 3\)"):
        m(mg.randn(3, 1, 16), mg.randn(3, 1, 16), mg.randn(3, 1, 16), attn_mask=mg.zeros(2, 3))


def test_mha_gradcheck_and_dropout(rng):
    m = nn.MultiheadAttention(4, 2, dropout=0.0, batch_first=True).double()
    q = mg.tensor(rng.standard_normal((1, 2, 4)), requires_grad=True)
    kv = mg.tensor(rng.standard_normal((1, 3, 4)), requires_grad=True)
    mask = mg.tensor(np.array([[False, False, True], [False, True, False]]))
    assert gradcheck(lambda q, kv, *_: m(q, kv, kv, attn_mask=mask), [q, kv, *m.parameters()])
    d = nn.MultiheadAttention(8, 2, dropout=0.5)
    x = mg.randn(5, 2, 8)
    a, b = d(x, x, x)[0], d(x, x, x)[0]
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    d.eval()
    np.testing.assert_array_equal(d(x, x, x)[0].detach().numpy(), d(x, x, x)[0].detach().numpy())


# ---- Transformer encoder ---------------------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_vs_torch(activation, norm_first, batch_first, rng):
    kw = dict(dim_feedforward=12, dropout=0.0, activation=activation, norm_first=norm_first,
              batch_first=batch_first)
    t = torch.nn.TransformerEncoderLayer(6, 2, **kw).double()
    m = _copy(nn.TransformerEncoderLayer(6, 2, **kw), t)
    x = rng.standard_normal((2, 4, 6) if batch_first else (4, 2, 6))
    kpm = np.zeros((2, 4), bool)
    kpm[1, -1] = True
    (xm, xt) = _leaf(x)
    om = m(xm, src_key_padding_mask=mg.tensor(kpm))
    ot = t(xt, src_key_padding_mask=torch.tensor(kpm))
    _close(om, ot)
    _backward_and_compare([om], [ot], [(xm, xt)], m, t, rng)


def test_encoder_stack_vs_torch(rng):
    layer_t = torch.nn.TransformerEncoderLayer(6, 2, 12, dropout=0.0).double()
    enc_t = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(6).double(),
                                        enable_nested_tensor=False)
    enc_m = nn.TransformerEncoder(nn.TransformerEncoderLayer(6, 2, 12, dropout=0.0), 2,
                                  norm=nn.LayerNorm(6))
    _copy(enc_m, enc_t)
    # the layers are deep copies: distinct parameters
    assert enc_m.layers[0].linear1.weight is not enc_m.layers[1].linear1.weight
    x = rng.standard_normal((3, 2, 6))
    causal = np.triu(np.full((3, 3), -np.inf), 1)
    xm, xt = _leaf(x)
    om, ot = enc_m(xm, mask=mg.tensor(causal)), enc_t(xt, mask=torch.tensor(causal))
    _close(om, ot)
    _backward_and_compare([om], [ot], [(xm, xt)], enc_m, enc_t, rng)


def test_encoder_layer_gradcheck_and_dropout(rng):
    layer = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu", norm_first=True)
    layer.double()
    x = mg.tensor(rng.standard_normal((3, 1, 4)), requires_grad=True)
    assert gradcheck(lambda x, *_: layer(x), [x, *layer.parameters()])
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = mg.randn(4, 2, 8)
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
