"""TransformerDecoderLayer, TransformerDecoder and Transformer against PyTorch (weights copied
through the state dict, both ways), and subclassing as PyTorch's word_language_model does."""
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from .test_attention import _backward_and_compare, _close, _copy, _leaf, torch

KPM = np.array([[False, False, False, True], [False, False, False, False]])


@pytest.mark.parametrize("activation", ["relu", "gelu", "callable"])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_decoder_layer_vs_torch(activation, norm_first, batch_first, rng):
    act = {"callable": (F.silu, torch.nn.functional.silu)}.get(activation,
                                                                (activation, activation))
    kw = dict(dim_feedforward=12, dropout=0.0, norm_first=norm_first, batch_first=batch_first)
    t = torch.nn.TransformerDecoderLayer(6, 2, activation=act[1], **kw).double()
    m = _copy(nn.TransformerDecoderLayer(6, 2, activation=act[0], **kw), t)
    shape = (lambda L: (2, L, 6)) if batch_first else (lambda L: (L, 2, 6))
    (ym, yt), (xm, xt) = _leaf(rng.standard_normal(shape(3))), _leaf(rng.standard_normal(shape(4)))
    causal = np.triu(np.full((3, 3), -np.inf), 1)
    mm = dict(tgt_mask=mg.tensor(causal), memory_key_padding_mask=mg.tensor(KPM))
    mt = dict(tgt_mask=torch.tensor(causal), memory_key_padding_mask=torch.tensor(KPM))
    om, ot = m(ym, xm, **mm), t(yt, xt, **mt)
    _close(om, ot)
    _backward_and_compare([om], [ot], [(ym, yt), (xm, xt)], m, t, rng)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")  # torch's fast-path note
def test_transformer_vs_torch_both_ways(rng):
    kw = dict(d_model=6, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
              dim_feedforward=10, dropout=0.0)
    t = torch.nn.Transformer(**kw).double()
    m = _copy(nn.Transformer(**kw), t)
    src, tgt = rng.standard_normal((4, 2, 6)), rng.standard_normal((3, 2, 6))
    (sm, st), (tm, tt) = _leaf(src), _leaf(tgt)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=mg.float64)
    np.testing.assert_array_equal(
        mask.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(3).numpy())
    om = m(sm, tm, tgt_mask=mask, src_key_padding_mask=mg.tensor(KPM),
           memory_key_padding_mask=mg.tensor(KPM))
    ot = t(st, tt, tgt_mask=torch.tensor(mask.numpy()), src_key_padding_mask=torch.tensor(KPM),
           memory_key_padding_mask=torch.tensor(KPM))
    _close(om, ot)
    _backward_and_compare([om], [ot], [(sm, st), (tm, tt)], m, t, rng)
    # and back: a freshly initialised minigrad model's weights drive torch's
    m2 = nn.Transformer(**kw).double()
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m2.state_dict().items()})
    _close(m2(mg.tensor(src), mg.tensor(tgt)), t(torch.tensor(src), torch.tensor(tgt)))


def test_transformer_init_and_errors():
    m = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                       dim_feedforward=16, batch_first=True)
    # every matrix is xavier-uniform: |w| <= sqrt(6 / (fan_in + fan_out))
    for name, p in m.named_parameters():
        if p.dim() > 1:
            bound = math.sqrt(6.0 / (p.shape[0] + p.shape[1]))
            assert np.abs(p.detach().numpy()).max() <= bound, name
    assert isinstance(m.encoder, nn.TransformerEncoder)
    assert isinstance(m.decoder.norm, nn.LayerNorm) and len(m.decoder.layers) == 1
    assert m(mg.randn(2, 5, 8), mg.randn(2, 3, 8)).shape == (2, 3, 8)
    with pytest.raises(RuntimeError, match="batch number"):
        m(mg.randn(2, 5, 8), mg.randn(3, 3, 8))
    with pytest.raises(RuntimeError, match="feature number"):
        m(mg.randn(2, 5, 8), mg.randn(2, 3, 4))
    custom = nn.Linear(8, 8)
    assert nn.Transformer(8, 2, 1, 1, 16, custom_decoder=custom).decoder is custom


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=50):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = mg.zeros(max_len, d_model)
        position = mg.arange(0, max_len, dtype=mg.float).unsqueeze(1)
        div_term = mg.exp(mg.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = mg.sin(position * div_term)
        pe[:, 1::2] = mg.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

    def forward(self, x):
        return self.dropout(x + self.pe[:x.size(0), :])


class TransformerModel(nn.Transformer):
    """PyTorch's examples/word_language_model/model.py, as written there."""

    def __init__(self, ntoken, ninp, nhead, nhid, nlayers, dropout=0.5):
        super(TransformerModel, self).__init__(d_model=ninp, nhead=nhead, dim_feedforward=nhid,
                                               num_encoder_layers=nlayers)
        self.model_type = "Transformer"
        self.src_mask = None
        self.pos_encoder = PositionalEncoding(ninp, dropout)
        self.input_emb = nn.Embedding(ntoken, ninp)
        self.ninp = ninp
        self.decoder = nn.Linear(ninp, ntoken)
        self.init_weights()

    def _generate_square_subsequent_mask(self, sz):
        return mg.log(mg.tril(mg.ones(sz, sz)))

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.input_emb.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, src, has_mask=True):
        if has_mask:
            if self.src_mask is None or self.src_mask.size(0) != len(src):
                self.src_mask = self._generate_square_subsequent_mask(len(src))
        else:
            self.src_mask = None
        src = self.input_emb(src) * math.sqrt(self.ninp)
        src = self.pos_encoder(src)
        output = self.encoder(src, mask=self.src_mask)
        output = self.decoder(output)
        return F.log_softmax(output, dim=-1)


def test_word_language_model_subclass_trains():
    model = TransformerModel(ntoken=11, ninp=8, nhead=2, nhid=16, nlayers=2, dropout=0.0)
    assert isinstance(model.decoder, nn.Linear) and "decoder.weight" in model.state_dict()
    assert not any(k.startswith("decoder.layers") for k in model.state_dict())
    data = mg.randint(0, 11, (6, 3))
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses = []
        for _ in range(20):
            opt.zero_grad()
            out = model(data[:-1])
            loss = F.nll_loss(out.reshape(-1, 11), data[1:].reshape(-1))
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert out.shape == (5, 3, 11) and losses[-1] < losses[0]
