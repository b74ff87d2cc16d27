"""The model zoo: exported, checked by onnx.checker, run by onnxruntime on fresh inputs,
equal to minigrad eager (rtol 1e-5), with and without a dynamic batch axis."""
import math

import numpy as np
import pytest

import minigrad as torch

from ._zoo import assert_close, check, export, run

nn = torch.nn


def mlp():
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 16),
                         nn.Tanh(), nn.Linear(16, 4), nn.LogSoftmax(dim=1))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(16 * 5 * 5, 60), nn.Linear(60, 32), nn.Linear(32, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.avg_pool2d(torch.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        x = torch.relu(self.fc1(x))
        return self.fc3(torch.relu(self.fc2(x)))


class ResBlock(nn.Module):
    def __init__(self, cin=3, c=8):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, c, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)
        self.down = nn.Sequential(nn.Conv2d(cin, c, 1, stride=2, bias=False), nn.BatchNorm2d(c))
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(c, 5)

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        y = self.relu(y + self.down(x))
        return self.fc(torch.flatten(self.pool(y), 1))


class LSTMLM(nn.Module):
    """The word-language-model example's shape: embedding, 2-layer LSTM, decoder."""

    def __init__(self, ntoken=30, ninp=12, nhid=16, nlayers=2):
        super().__init__()
        self.drop = nn.Dropout(0.2)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=0.2)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        decoded = self.decoder(self.drop(output))
        return nn.functional.log_softmax(decoded, dim=-1), hidden


class Encoder(nn.Module):
    def __init__(self, d=16, heads=4):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=32, dropout=0.1,
                                           batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.head = nn.Linear(d, 3)

    def forward(self, x):
        return self.head(self.enc(x)[:, 0])


def _warm_bn(model, x):
    """A few training steps' worth of forward passes: running statistics away from 0/1."""
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(x * 2 + 0.5)


@pytest.mark.parametrize("dynamic", [False, True])
def test_mlp(dynamic):
    torch.manual_seed(0)
    m = mlp()
    dyn = {"x": {0: "batch"}, "output": {0: "batch"}} if dynamic else None
    check(m, (torch.randn(4, 10),), ["x"], (torch.randn(7 if dynamic else 4, 10),), dyn)


@pytest.mark.parametrize("dynamic", [False, True])
def test_lenet(dynamic):
    torch.manual_seed(1)
    m = LeNet()
    dyn = {"x": {0: "batch"}} if dynamic else None
    check(m, (torch.randn(2, 1, 28, 28),), ["x"], (torch.randn(3 if dynamic else 2, 1, 28, 28),),
          dyn)


@pytest.mark.parametrize("dynamic", [False, True])
def test_resnet_block(dynamic):
    torch.manual_seed(2)
    m = ResBlock()
    _warm_bn(m, torch.randn(4, 3, 12, 12))
    dyn = {"x": {0: "batch"}} if dynamic else None
    check(m, (torch.randn(2, 3, 12, 12),), ["x"],
          (torch.randn(5 if dynamic else 2, 3, 12, 12),), dyn)


@pytest.mark.parametrize("dynamic", [False, True])
def test_lstm_language_model(dynamic):
    torch.manual_seed(3)
    m = LSTMLM()
    T, N = 6, 3
    hid = (torch.randn(2, N, 16) * 0.5, torch.randn(2, N, 16) * 0.5)
    names = ["tokens", "h0", "c0"]
    dyn = {"tokens": {0: "seq", 1: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"}} \
        if dynamic else None
    T2, N2 = (9, 5) if dynamic else (T, N)
    fresh = (torch.randint(0, 30, (T2, N2)), (torch.randn(2, N2, 16), torch.randn(2, N2, 16)))
    check(m, (torch.randint(0, 30, (T, N)), hid), names, fresh, dyn)


@pytest.mark.parametrize("dynamic", [False, True])
def test_transformer_encoder(dynamic):
    torch.manual_seed(4)
    m = Encoder()
    dyn = {"x": {0: "batch"}} if dynamic else None
    check(m, (torch.randn(2, 5, 16),), ["x"], (torch.randn(4 if dynamic else 2, 5, 16),), dyn)


class CausalEncoder(nn.Module):
    """A causal Transformer encoder over learned positions: its causal mask and positions
    are built from ``x.size(1)``, so they must follow a dynamic sequence axis."""

    def __init__(self, d=16, heads=4, mask="float"):
        super().__init__()
        layer = nn.TransformerEncoderLayer(d, heads, dim_feedforward=32, dropout=0.1,
                                           batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.pos = nn.Embedding(32, d)
        self.mask = mask

    def forward(self, x):
        T = x.size(1)
        x = x + self.pos(torch.arange(T))
        if self.mask == "float":  # -inf above the diagonal
            return self.enc(x, mask=nn.Transformer.generate_square_subsequent_mask(T),
                            is_causal=True)
        if self.mask == "bool":  # True = not allowed
            return self.enc(x, mask=torch.triu(torch.ones(T, T, dtype=torch.bool), 1))
        return nn.functional.scaled_dot_product_attention(x, x, x, is_causal=True)


@pytest.mark.parametrize("mask", ["float", "bool", "is_causal"])
def test_causal_transformer_dynamic_sequence_length(mask):
    """Exported at length 5, run at lengths 3 and 9: the mask is computed in the graph
    from the input's shape (Range, Sub, GreaterOrEqual, Where), not a 5x5 constant."""
    torch.manual_seed(11)
    m = CausalEncoder(mask=mask).eval()
    data = export(m, (torch.randn(2, 5, 16),), input_names=["x"],
                  dynamic_axes={"x": {0: "batch", 1: "seq"}, "output": {0: "batch", 1: "seq"}})
    for n, t in ((4, 3), (1, 9)):
        x = torch.randn(n, t, 16)
        with torch.no_grad():
            want = m(x).numpy()
        assert_close(run(data, {"x": x}), [want])


class PositionalEncoding(nn.Module):
    """The word-language-model example's: a sin/cos table buffer cut to the length."""

    def __init__(self, d_model, max_len=64):
        super().__init__()
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

    def forward(self, x):
        return x + self.pe[:x.size(0), :]


class WordLMTransformer(nn.Module):
    """The word-language-model example's TransformerModel (sequence first), smaller."""

    def __init__(self, ntoken=40, ninp=16, nhead=2, nhid=32, nlayers=2):
        super().__init__()
        layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout=0.5)
        self.encoder = nn.TransformerEncoder(layer, nlayers)
        self.pos_encoder = PositionalEncoding(ninp)
        self.input_emb = nn.Embedding(ntoken, ninp)
        self.decoder = nn.Linear(ninp, ntoken)
        self.ninp = ninp

    def forward(self, src):
        mask = torch.log(torch.tril(torch.ones(len(src), len(src))))  # the example's mask
        src = self.pos_encoder(self.input_emb(src) * math.sqrt(self.ninp))
        return nn.functional.log_softmax(self.decoder(self.encoder(src, mask=mask)), dim=-1)


def test_word_language_model_transformer_dynamic_sequence_length():
    """Its positional table is a buffer sliced to the length (a Slice of it in the graph),
    its mask log(tril(ones)) a triangular one: exported at length 7, run at 4 and 12."""
    torch.manual_seed(12)
    m = WordLMTransformer().eval()
    data = export(m, (torch.randint(0, 40, (7, 3)),), input_names=["src"],
                  dynamic_axes={"src": {0: "seq", 1: "batch"}})
    for t, n in ((4, 2), (12, 5)):
        src = torch.randint(0, 40, (t, n))
        with torch.no_grad():
            want = m(src).numpy()
        assert_close(run(data, {"src": src}), [want])


class MaskedBagClassifier(nn.Module):
    """Masks computed from the input: padding tokens left out of a masked mean, PReLU,
    Hardshrink and a thresholded score; the computed masks are graph ops (no constant)."""

    def __init__(self, ntoken=30, d=12):
        super().__init__()
        self.emb = nn.Embedding(ntoken, d, padding_idx=0)
        self.fc = nn.Linear(d, 16)
        self.act = nn.PReLU(16)
        self.shrink = nn.Hardshrink(0.1)
        self.out = nn.Linear(16, 3)

    def forward(self, tokens):  # (N, T) int64, 0 = padding
        keep = (tokens != 0).unsqueeze(-1)
        x = self.emb(tokens).masked_fill(~keep, 0.0)
        x = x.sum(1) / keep.sum(1).clamp(min=1)
        y = self.out(self.shrink(self.act(self.fc(x))))
        return torch.where(y > 0.5, y, torch.zeros_like(y) - 1.0)


@pytest.mark.parametrize("dynamic", [False, True])
def test_masked_bag_classifier(dynamic):
    torch.manual_seed(14)
    m = MaskedBagClassifier()
    t = torch.tensor([[3, 4, 0, 0, 0], [5, 6, 7, 8, 9]])
    t2 = torch.tensor([[0, 2, 3, 0, 4, 1], [1, 2, 3, 4, 5, 6], [9, 0, 0, 0, 0, 0]]) \
        if dynamic else torch.tensor([[0, 2, 3, 0, 4], [9, 0, 0, 0, 0]])
    dyn = {"tokens": {0: "batch", 1: "seq"}} if dynamic else None
    check(m, (t,), ["tokens"], (t2,), dyn)
