"""The benchmark workloads, written once against the PyTorch API.

``fw`` is the framework module (``minigrad`` or ``torch``): the same code runs both,
which is the point of minigrad's API. Each ``make_*`` takes shared NumPy data and
initial weights, so every library starts from identical numbers, and returns a dict
``{case_name: zero-argument callable}`` for the framework and for the NumPy floor.
"""
from __future__ import annotations

import numpy as np

from . import numpy_ref, numpy_ref_seq

SIZES = {
    "full": dict(small=(16, 100), two_layer=(64, 1000, 100, 10), mlp=(256, 784, 1024, 10),
                 lenet=64, lstm=(32, 50, 128, 128, 2),
                 # gpt: batch, block, vocab, width, heads, layers; lstm_lm: batch, bptt, vocab,
                 # emsize, nhid, layers
                 gpt=(12, 64, 65, 128, 4, 2), lstm_lm=(20, 35, 2000, 200, 200, 2)),
    "smoke": dict(small=(8, 10), two_layer=(8, 20, 10, 4), mlp=(8, 16, 32, 10),
                  lenet=4, lstm=(2, 4, 8, 8, 2), gpt=(2, 8, 11, 16, 4, 2),
                  lstm_lm=(3, 5, 13, 8, 8, 2)),
}


DEVICE = "cpu"  # set by run.py --device; data and models are placed there


def _t(fw, a, requires_grad=False):
    t = fw.tensor(a, device=DEVICE)
    return t.requires_grad_() if requires_grad else t


# ---- data (NumPy, float32, seeded) ----------------------------------------------------

def data_small(size):
    n, _ = size
    r = np.random.default_rng(0)
    return dict(x=r.standard_normal((n, n)).astype(np.float32),
                b=(0.01 * r.standard_normal((n, n))).astype(np.float32),
                c=(1 + 0.01 * r.standard_normal((n, n))).astype(np.float32))


def data_two_layer(size):
    n, d, h, o = size
    r = np.random.default_rng(0)
    return dict(x=r.standard_normal((n, d)).astype(np.float32), y=r.standard_normal((n, o)).astype(np.float32),
                w1=r.standard_normal((d, h)).astype(np.float32), w2=r.standard_normal((h, o)).astype(np.float32))


def data_mlp(size):
    n, d, h, o = size
    r = np.random.default_rng(0)
    dims = [d, h, h, o]
    ws = [(r.uniform(-1, 1, (dims[i + 1], dims[i])) / np.sqrt(dims[i])).astype(np.float32) for i in range(3)]
    bs = [(r.uniform(-1, 1, dims[i + 1]) / np.sqrt(dims[i])).astype(np.float32) for i in range(3)]
    return dict(x=r.standard_normal((n, d)).astype(np.float32), labels=r.integers(0, o, n), ws=ws, bs=bs)


def data_lenet(n):
    r = np.random.default_rng(0)
    shapes = {"c1.weight": (6, 1, 5, 5), "c1.bias": (6,), "c2.weight": (16, 6, 5, 5), "c2.bias": (16,),
              "f1.weight": (120, 400), "f1.bias": (120,), "f2.weight": (84, 120), "f2.bias": (84,),
              "f3.weight": (10, 84), "f3.bias": (10,)}
    fan = {"c1": 25, "c2": 150, "f1": 400, "f2": 120, "f3": 84}
    params = {k: (r.uniform(-1, 1, s) / np.sqrt(fan[k.split(".")[0]])).astype(np.float32) for k, s in shapes.items()}
    return dict(x=r.standard_normal((n, 1, 28, 28)).astype(np.float32), labels=r.integers(0, 10, n), params=params)


def data_lstm(size):
    n, t, i, h, layers = size
    r = np.random.default_rng(0)
    k = 1 / np.sqrt(h)
    params = {}
    for l in range(layers):
        inp = i if l == 0 else h
        params[f"weight_ih_l{l}"] = r.uniform(-k, k, (4 * h, inp)).astype(np.float32)
        params[f"weight_hh_l{l}"] = r.uniform(-k, k, (4 * h, h)).astype(np.float32)
        params[f"bias_ih_l{l}"] = r.uniform(-k, k, 4 * h).astype(np.float32)
        params[f"bias_hh_l{l}"] = r.uniform(-k, k, 4 * h).astype(np.float32)
    return dict(x=r.standard_normal((t, n, i)).astype(np.float32),
                y=r.standard_normal((t, n, h)).astype(np.float32), params=params)


def gpt_shapes(vocab, block, width, layers):
    """Parameter name -> shape of the GPT below (PyTorch's layouts: Linear weights (out, in))."""
    c = width
    shapes = {"tok.weight": (vocab, c), "pos.weight": (block, c)}
    for l in range(layers):
        for name, shape in (("ln_1.weight", (c,)), ("ln_1.bias", (c,)), ("attn.weight", (3 * c, c)),
                            ("attn.bias", (3 * c,)), ("proj.weight", (c, c)), ("proj.bias", (c,)),
                            ("ln_2.weight", (c,)), ("ln_2.bias", (c,)), ("fc.weight", (4 * c, c)),
                            ("fc.bias", (4 * c,)), ("out.weight", (c, 4 * c)), ("out.bias", (c,))):
            shapes[f"blocks.{l}.{name}"] = shape
    shapes["ln_f.weight"], shapes["ln_f.bias"], shapes["head.weight"] = (c,), (c,), (vocab, c)
    return shapes


def data_gpt(size):
    n, t, vocab, width, _, layers = size
    r = np.random.default_rng(0)
    params = {}
    for k, s in gpt_shapes(vocab, t, width, layers).items():
        if "ln_" in k:  # layer norms start as the identity, as in PyTorch
            params[k] = np.ones(s, np.float32) if k.endswith("weight") else np.zeros(s, np.float32)
        else:
            params[k] = (0.02 * r.standard_normal(s)).astype(np.float32)
    seq = r.integers(0, vocab, (n, t + 1))
    return dict(idx=seq[:, :-1], targets=seq[:, 1:], params=params)


def data_lstm_lm(size):
    n, t, vocab, em, hid, layers = size
    r = np.random.default_rng(0)
    k = 1 / np.sqrt(hid)
    params = {"encoder.weight": r.uniform(-0.1, 0.1, (vocab, em)).astype(np.float32),
              "decoder.weight": r.uniform(-0.1, 0.1, (vocab, hid)).astype(np.float32),
              "decoder.bias": np.zeros(vocab, np.float32)}
    for l in range(layers):
        inp = em if l == 0 else hid
        params[f"rnn.weight_ih_l{l}"] = r.uniform(-k, k, (4 * hid, inp)).astype(np.float32)
        params[f"rnn.weight_hh_l{l}"] = r.uniform(-k, k, (4 * hid, hid)).astype(np.float32)
        params[f"rnn.bias_ih_l{l}"] = r.uniform(-k, k, 4 * hid).astype(np.float32)
        params[f"rnn.bias_hh_l{l}"] = r.uniform(-k, k, 4 * hid).astype(np.float32)
    seq = r.integers(0, vocab, (t + 1, n))  # (time, batch), as the word-language-model example
    return dict(inp=seq[:-1], targets=seq[1:], params=params)


# ---- framework versions -------------------------------------------------------------

def fw_small(fw, d, n_ops):
    x0 = _t(fw, d["x"])
    b, c = _t(fw, d["b"], True), _t(fw, d["c"], True)

    def step():
        x = x0
        for _ in range(n_ops // 2):
            x = (x + b) * c
        x.sum().backward()
        b.grad = None
        c.grad = None

    return step


def fw_two_layer(fw, d, lr=1e-6):
    x, y = _t(fw, d["x"]), _t(fw, d["y"])
    w1, w2 = _t(fw, d["w1"].copy(), True), _t(fw, d["w2"].copy(), True)

    def step():
        y_pred = x.mm(w1).clamp(min=0).mm(w2)
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with fw.no_grad():
            w1.sub_(lr * w1.grad)
            w2.sub_(lr * w2.grad)
            w1.grad = None
            w2.grad = None
        return loss

    return step


def _load(fw, model, params):
    model.load_state_dict({k: fw.tensor(v.copy()) for k, v in params.items()})
    model.to(DEVICE)


def fw_mlp(fw, d):
    nn = fw.nn
    dims = [d["x"].shape[1], d["ws"][0].shape[0], d["ws"][1].shape[0], d["ws"][2].shape[0]]
    model = nn.Sequential(nn.Linear(dims[0], dims[1]), nn.ReLU(), nn.Linear(dims[1], dims[2]), nn.ReLU(),
                          nn.Linear(dims[2], dims[3]))
    params = {}
    for j, i in enumerate((0, 2, 4)):
        params[f"{i}.weight"], params[f"{i}.bias"] = d["ws"][j], d["bs"][j]
    _load(fw, model, params)
    opt = fw.optim.Adam(model.parameters(), lr=1e-3)
    x, labels = _t(fw, d["x"]), _t(fw, d["labels"].astype(np.int64))
    loss_fn = nn.CrossEntropyLoss()

    def fwd_bwd():
        for p in model.parameters():
            p.grad = None
        loss = loss_fn(model(x), labels)
        loss.backward()
        return loss

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()
        return loss

    fwd_bwd()

    def adam_only():
        opt.step()

    return step, fwd_bwd, adam_only


class _LeNetFactory:
    @staticmethod
    def build(fw):
        nn, F = fw.nn, fw.nn.functional

        class LeNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.c1 = nn.Conv2d(1, 6, 5, padding=2)
                self.c2 = nn.Conv2d(6, 16, 5)
                self.f1 = nn.Linear(400, 120)
                self.f2 = nn.Linear(120, 84)
                self.f3 = nn.Linear(84, 10)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.c1(x)), 2)
                x = F.max_pool2d(F.relu(self.c2(x)), 2)
                x = x.flatten(1)
                return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))

        return LeNet()


def fw_lenet(fw, d, lr=0.01):
    model = _LeNetFactory.build(fw)
    _load(fw, model, d["params"])
    opt = fw.optim.SGD(model.parameters(), lr=lr)
    x, labels = _t(fw, d["x"]), _t(fw, d["labels"].astype(np.int64))
    loss_fn = fw.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), labels)
        loss.backward()
        opt.step()
        return loss

    def forward():
        with fw.no_grad():
            return model(x)

    return step, forward


def fw_lstm(fw, d, lr=0.01):
    p = d["params"]
    layers = len([k for k in p if k.startswith("weight_ih")])
    hidden = p["weight_hh_l0"].shape[1]
    model = fw.nn.LSTM(d["x"].shape[2], hidden, num_layers=layers)
    _load(fw, model, p)
    opt = fw.optim.SGD(model.parameters(), lr=lr)
    x, y = _t(fw, d["x"]), _t(fw, d["y"])

    def step():
        opt.zero_grad()
        out, _ = model(x)
        loss = ((out - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss

    return step


class _GPTFactory:
    """A nanoGPT-sized decoder: token + position embeddings, pre-norm blocks of 4-head causal
    attention and a GELU MLP, a final layer norm and a linear head (no dropout)."""

    @staticmethod
    def build(fw, vocab, block, width, heads, layers):
        nn, F = fw.nn, fw.nn.functional

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.ln_1 = nn.LayerNorm(width)
                self.attn = nn.Linear(width, 3 * width)
                self.proj = nn.Linear(width, width)
                self.ln_2 = nn.LayerNorm(width)
                self.fc = nn.Linear(width, 4 * width)
                self.out = nn.Linear(4 * width, width)

            def forward(self, x):
                b, t, c = x.shape
                q, k, v = self.attn(self.ln_1(x)).split(c, dim=2)
                q, k, v = (z.view(b, t, heads, c // heads).transpose(1, 2) for z in (q, k, v))
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                x = x + self.proj(y.transpose(1, 2).contiguous().view(b, t, c))
                return x + self.out(F.gelu(self.fc(self.ln_2(x))))

        class GPT(nn.Module):
            def __init__(self):
                super().__init__()
                self.tok = nn.Embedding(vocab, width)
                self.pos = nn.Embedding(block, width)
                self.blocks = nn.ModuleList([Block() for _ in range(layers)])
                self.ln_f = nn.LayerNorm(width)
                self.head = nn.Linear(width, vocab, bias=False)

            def forward(self, idx):
                t = idx.shape[1]
                x = self.tok(idx) + self.pos(fw.arange(t, device=idx.device))
                for blk in self.blocks:
                    x = blk(x)
                return self.head(self.ln_f(x))

        return GPT()


def fw_gpt(fw, d, heads, lr=1e-3, weight_decay=0.1):
    n, t = d["idx"].shape
    vocab, width = d["params"]["tok.weight"].shape
    layers = len({k.split(".")[1] for k in d["params"] if k.startswith("blocks.")})
    model = _GPTFactory.build(fw, vocab, t, width, heads, layers)
    _load(fw, model, d["params"])
    opt = fw.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    idx, targets = _t(fw, d["idx"].astype(np.int64)), _t(fw, d["targets"].astype(np.int64))
    F = fw.nn.functional

    def step():
        logits = model(idx)
        loss = F.cross_entropy(logits.view(-1, vocab), targets.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    return step


class _LSTMLMFactory:
    """The word-language-model example's RNNModel (LSTM, untied, dropout 0)."""

    @staticmethod
    def build(fw, vocab, emsize, nhid, layers):
        nn = fw.nn

        class RNNModel(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Embedding(vocab, emsize)
                self.rnn = nn.LSTM(emsize, nhid, layers)
                self.decoder = nn.Linear(nhid, vocab)

            def forward(self, inp, hidden):
                output, hidden = self.rnn(self.encoder(inp), hidden)
                return self.decoder(output).view(-1, vocab), hidden

        return RNNModel()


def fw_lstm_lm(fw, d, lr=20.0, clip=0.25):
    """One training step of the example: a fresh zero state per step (the example carries the
    state over, detached: the same work), cross-entropy over every position, gradients
    clipped to norm ``clip``, then ``p.data.add_(p.grad, alpha=-lr)``."""
    p = d["params"]
    vocab, emsize = p["encoder.weight"].shape
    nhid = p["rnn.weight_hh_l0"].shape[1]
    layers = len([k for k in p if k.startswith("rnn.weight_ih")])
    model = _LSTMLMFactory.build(fw, vocab, emsize, nhid, layers)
    _load(fw, model, p)
    inp, targets = _t(fw, d["inp"].astype(np.int64)), _t(fw, d["targets"].astype(np.int64))
    n = inp.shape[1]
    criterion = fw.nn.CrossEntropyLoss()

    def step():
        hidden = (fw.zeros(layers, n, nhid, device=DEVICE), fw.zeros(layers, n, nhid, device=DEVICE))
        model.zero_grad()
        output, hidden = model(inp, hidden)
        loss = criterion(output, targets.view(-1))
        loss.backward()
        fw.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for q in model.parameters():
            q.data.add_(q.grad, alpha=-lr)
        return loss

    return step


# ---- case tables -------------------------------------------------------------------

def cases(workload, size_name, fw_modules):
    """{case: {lib: callable}} for one workload; ``fw_modules`` maps lib name -> module."""
    sz = SIZES[size_name]
    out = {}
    if workload == "small_ops":
        d = data_small(sz["small"])
        n_ops = sz["small"][1]
        libs = {"numpy": numpy_ref.make_small_ops(d["x"], d["b"], d["c"], n_ops)}
        libs.update({k: fw_small(m, d, n_ops) for k, m in fw_modules.items()})
        out["small_ops (per op)"] = (libs, n_ops)
    elif workload == "two_layer":
        d = data_two_layer(sz["two_layer"])
        libs = {"numpy": numpy_ref.make_two_layer(d["x"], d["y"], d["w1"], d["w2"], 1e-6)}
        libs.update({k: fw_two_layer(m, d) for k, m in fw_modules.items()})
        out["two_layer step"] = (libs, 1)
    elif workload == "mlp":
        d = data_mlp(sz["mlp"])
        s, fb, ad = numpy_ref.make_mlp(d["x"], d["labels"], d["ws"], d["bs"])
        steps, fbs, ads = {"numpy": s}, {"numpy": fb}, {"numpy": ad}
        for k, m in fw_modules.items():
            steps[k], fbs[k], ads[k] = fw_mlp(m, d)
        out["mlp step"], out["mlp fwd+bwd"], out["mlp adam update"] = (steps, 1), (fbs, 1), (ads, 1)
    elif workload == "lenet":
        d = data_lenet(sz["lenet"])
        s, f = numpy_ref.make_lenet(d["x"], d["labels"], d["params"])
        steps, fwds = {"numpy": s}, {"numpy": f}
        for k, m in fw_modules.items():
            steps[k], fwds[k] = fw_lenet(m, d)
        out["lenet step"], out["lenet forward"] = (steps, 1), (fwds, 1)
    elif workload == "lstm":
        d = data_lstm(sz["lstm"])
        libs = {"numpy": numpy_ref.make_lstm(d["x"], d["y"], d["params"])}
        libs.update({k: fw_lstm(m, d) for k, m in fw_modules.items()})
        out["lstm step"] = (libs, 1)
    elif workload == "gpt":
        d = data_gpt(sz["gpt"])
        heads = sz["gpt"][4]
        libs = {"numpy": numpy_ref_seq.make_gpt(d["idx"], d["targets"], d["params"], heads)}
        libs.update({k: fw_gpt(m, d, heads) for k, m in fw_modules.items()})
        out["gpt step"] = (libs, 1)
    elif workload == "lstm_lm":
        d = data_lstm_lm(sz["lstm_lm"])
        libs = {"numpy": numpy_ref_seq.make_lstm_lm(d["inp"], d["targets"], d["params"])}
        libs.update({k: fw_lstm_lm(m, d) for k, m in fw_modules.items()})
        out["lstm_lm step"] = (libs, 1)
    else:
        raise ValueError(f"unknown workload {workload!r}")
    return out
