"""nn.utils.rnn (pad/pack/unpack) and packed input to RNN/LSTM/GRU against PyTorch: values,
gradients to the padded input and the weights, final states at each sequence's end."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.utils import rnn as U


def test_pad_sequence_matches_torch(rng):
    torch = pytest.importorskip("torch")
    seqs = [rng.standard_normal((n, 2)) for n in (3, 5, 1)]
    for kw in (dict(), dict(batch_first=True, padding_value=-1.0),
               dict(padding_side="left", padding_value=7.0)):
        got = U.pad_sequence([mg.tensor(s) for s in seqs], **kw)
        want = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], **kw)
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    with pytest.raises(ValueError, match="padding_side"):
        U.pad_sequence([mg.zeros(2)], padding_side="up")


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_and_pad_round_trip_matches_torch(batch_first, enforce_sorted, rng):
    torch = pytest.importorskip("torch")
    lengths = [5, 3, 2, 1] if enforce_sorted else [2, 5, 1, 3]
    shape = (4, 5, 3) if batch_first else (5, 4, 3)
    x = rng.standard_normal(shape)
    xm = mg.tensor(x, requires_grad=True)
    pm = U.pack_padded_sequence(xm, lengths, batch_first, enforce_sorted)
    pt = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), lengths, batch_first,
                                                 enforce_sorted)
    np.testing.assert_array_equal(pm.data.detach().numpy(), pt.data.numpy())
    np.testing.assert_array_equal(pm.batch_sizes.numpy(), pt.batch_sizes.numpy())
    for a, b in ((pm.sorted_indices, pt.sorted_indices),
                 (pm.unsorted_indices, pt.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    padded, lens = U.pad_packed_sequence(pm, batch_first, -2.0, total_length=6)
    tpadded, tlens = torch.nn.utils.rnn.pad_packed_sequence(pt, batch_first, -2.0, 6)
    np.testing.assert_array_equal(padded.detach().numpy(), tpadded.numpy())
    np.testing.assert_array_equal(lens.numpy(), tlens.numpy())
    padded.sum().backward()  # only the entries inside each length get a gradient
    mask = np.arange(5)[:, None] < np.array(lengths)[None, :]
    np.testing.assert_array_equal(xm.grad.numpy(), np.broadcast_to(
        (mask.T if batch_first else mask)[..., None], shape).astype(float))
    seqs = U.unpack_sequence(pm)
    assert [s.shape[0] for s in seqs] == lengths


def test_pack_errors():
    x = mg.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        U.pack_padded_sequence(x, [1, 3, 2])
    with pytest.raises(RuntimeError, match="greater than 0"):
        U.pack_padded_sequence(x, [3, 2, 0])
    p = U.pack_sequence([mg.zeros(3, 2), mg.zeros(2, 2)])
    with pytest.raises(ValueError, match="total_length"):
        U.pad_packed_sequence(p, total_length=2)
    assert p.batch_sizes.tolist() == [2, 2, 1]


@pytest.mark.parametrize("mode", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_rnn_on_packed_input_matches_torch(mode, bidirectional, rng):
    torch = pytest.importorskip("torch")
    kw = dict(num_layers=2, bidirectional=bidirectional, batch_first=True)
    t = getattr(torch.nn, mode)(3, 4, **kw).double()
    m = getattr(nn, mode)(3, 4, **kw).double()
    m.load_state_dict({k: mg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    lengths = [3, 5, 1, 4]
    x = rng.standard_normal((4, 5, 3))
    dirs = 2 if bidirectional else 1
    h0 = rng.standard_normal((2 * dirs, 4, 4))
    xm, xt = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    hm = (mg.tensor(h0), mg.tensor(h0 * 0.5)) if mode == "LSTM" else mg.tensor(h0)
    ht = (torch.tensor(h0), torch.tensor(h0 * 0.5)) if mode == "LSTM" else torch.tensor(h0)
    om, sm = m(U.pack_padded_sequence(xm, lengths, True, False), hm)
    ot, st = t(torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, True, False), ht)
    assert isinstance(om, U.PackedSequence)
    np.testing.assert_allclose(om.data.detach().numpy(), ot.data.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    sm, st = (sm if mode == "LSTM" else (sm,)), (st if mode == "LSTM" else (st,))
    for a, b in zip(sm, st):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
    g = rng.standard_normal(tuple(om.data.shape))
    loss_m = (om.data * mg.tensor(g)).sum() + sum(s.sum() for s in sm)
    loss_t = (ot.data * torch.tensor(g)).sum() + sum(s.sum() for s in st)
    loss_m.backward()
    loss_t.backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    tp = dict(t.named_parameters())
    for name, p in m.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)
    padded, _ = U.pad_packed_sequence(om, batch_first=True)
    assert padded.shape == (4, 5, 4 * dirs)
