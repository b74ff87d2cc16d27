"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional) and their single-step cells.

Parameter names, shapes, gate order and initialisation are PyTorch's, so state dicts
can be exchanged with ``torch.nn``. Each layer and direction makes one big input
projection for the whole sequence and then runs one fused recurrence op
(``ops.rnn_scan`` / ``lstm_scan`` / ``gru_scan``): one ``h @ W_hh^T`` per step. Those ops
are once differentiable: second derivatives through a recurrent layer raise an error.
"""
from __future__ import annotations

import math
import warnings

from .. import backend, creation
from .. import ops as _ops
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

np = backend.np

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or
    'GRU'). Parameters per layer ``k`` and direction: ``weight_ih_l{k}`` (G*H, in),
    ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*H,), with the suffix
    ``_reverse`` for the backward direction; all U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", UserWarning,
                          stacklevel=3)
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"hidden_size must be a positive integer, got {hidden_size}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers}")
        if proj_size:
            raise NotImplementedError("LSTM proj_size is not supported")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(dirs):
                layer_in = input_size if layer == 0 else hidden_size * dirs
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = [("weight_ih", (gate_size, layer_in)),
                          ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for name, shape in shapes:
                    p = Parameter(creation.empty(*shape, device=device, dtype=dtype))
                    setattr(self, name + sfx, p)
                    self._flat_weights_names.append(name + sfx)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """No-op (cuDNN weight packing in PyTorch), kept for API compatibility."""

    @property
    def all_weights(self) -> list:
        n = 4 if self.bias else 2
        ws = [getattr(self, name) for name in self._flat_weights_names]
        return [ws[i:i + n] for i in range(0, len(ws), n)]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- forward ----------------------------------------------------------------------
    def _check_input(self, input: Tensor):
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.ndim}D tensor of shape {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{type(self).__name__}: input.size(-1) must be equal to "
                               f"input_size. Expected {self.input_size}, got {input.shape[-1]} "
                               f"(input of shape {tuple(input.shape)})")

    def _state(self, h, batched, n, x, what):
        dirs = 2 if self.bidirectional else 1
        expected = (self.num_layers * dirs, n, self.hidden_size)
        if h is None:
            return Tensor._wrap(x.xp.zeros(expected, dtype=x.array.dtype))
        if not batched:
            if h.ndim != 2:
                raise RuntimeError(f"For unbatched 2-D input, {what} should also be 2-D but got "
                                   f"{h.ndim}-D tensor of shape {tuple(h.shape)}")
            h = h.unsqueeze(1)
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {tuple(h.shape)}")
        return h

    def forward(self, input, hx=None):
        """Args:
            input: (T, N, in) ((N, T, in) when batch_first), unbatched (T, in), or a
                ``PackedSequence`` (``nn.utils.rnn``) of sequences of different lengths.
            hx: initial state(s) (num_layers * num_directions, N, H) (LSTM: a tuple (h0, c0));
                zeros when omitted.

        Returns:
            (output, h_n) (LSTM: (output, (h_n, c_n))); output (T, N, D * H) holds the last
            layer's states at every step, h_n/c_n the final states of every layer and direction.
            For packed input, output is a PackedSequence and h_n holds each sequence's state
            at its own last step (the reverse direction's at its first), in the batch's order.
        """
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        self._check_input(input)
        batched = input.ndim == 3
        if not batched:
            x = input.unsqueeze(1)
        else:
            x = input.transpose(0, 1) if self.batch_first else input
        states = self._initial_states(hx, batched, x)
        out, hs = self._layers(x, states)
        out = out[:, 0] if not batched else (out.transpose(0, 1) if self.batch_first else out)
        if not batched:
            hs = [h[:, 0] for h in hs]
        return (out, tuple(hs)) if self.mode == "LSTM" else (out, hs[0])

    def _initial_states(self, hx, batched, x):
        n = x.shape[1]
        if self.mode == "LSTM":
            if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
                raise RuntimeError("LSTM expects hx as a tuple (h_0, c_0)")
            return [self._state(None if hx is None else hx[0], batched, n, x, "hidden"),
                    self._state(None if hx is None else hx[1], batched, n, x, "cell")]
        return [self._state(hx, batched, n, x, "hidden")]

    def _forward_packed(self, packed, hx):
        """Run on the padded, length-sorted batch; each sequence stops at its own length."""
        data, lens = packed.data, packed.lengths()
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise RuntimeError(f"{type(self).__name__}: packed data must be (sum of lengths, "
                               f"{self.input_size}), got {tuple(data.shape)}")
        T, B = int(lens[0]), len(lens)
        t, b = np.nonzero(lens[None, :] > np.arange(T)[:, None])
        index = np.full((T, B), data.shape[0], dtype=np.int64)
        index[t, b] = np.arange(len(t))
        xp = data.xp
        pad_row = Tensor._wrap(xp.zeros((1, data.shape[1]), dtype=data.array.dtype))
        x = _ops.cat([data, pad_row], 0)[Tensor._wrap(xp.asarray(index))]  # (T, B, in)
        if hx is not None and packed.sorted_indices is not None:
            order = packed.sorted_indices
            hx = (tuple(h.index_select(1, order) for h in hx) if self.mode == "LSTM"
                  else hx.index_select(1, order))
        states = self._initial_states(hx, True, x)
        out, hs = self._layers(x, states, lens)
        ti, bi = Tensor._wrap(xp.asarray(t)), Tensor._wrap(xp.asarray(b))
        out = PackedSequence(out[ti, bi], packed.batch_sizes, packed.sorted_indices,
                             packed.unsorted_indices)
        if packed.unsorted_indices is not None:
            hs = [h.index_select(1, packed.unsorted_indices) for h in hs]
        return (out, tuple(hs)) if self.mode == "LSTM" else (out, hs[0])

    def _layers(self, x, states, lens=None):
        """All layers and directions over x (T, N, in); ``lens`` (numpy, per batch entry)
        makes each sequence end at its own length (packed input). Returns (output, [h_n] or
        [h_n, c_n])."""
        lstm = self.mode == "LSTM"
        h0 = states[0]
        c0 = states[1] if lstm else None
        dirs = 2 if self.bidirectional else 1
        H = self.hidden_size
        ends = flip = None
        if lens is not None:
            xp = x.xp
            T, B = x.shape[0], x.shape[1]
            cols = Tensor._wrap(xp.arange(B))
            ends = (Tensor._wrap(xp.asarray(lens - 1)), cols)
            # step t of sequence b read backwards within its length (padding stays put);
            # the map is its own inverse
            tt = np.arange(T)[:, None]
            rev = np.where(tt < lens[None, :], lens[None, :] - 1 - tt, tt)
            flip = (Tensor._wrap(xp.asarray(rev)), Tensor._wrap(xp.asarray(np.arange(B))[None]))
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                w_ih, w_hh = getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx)
                b_ih = getattr(self, "bias_ih" + sfx) if self.bias else None
                b_hh = getattr(self, "bias_hh" + sfx) if self.bias else None
                idx, rev = layer * dirs + d, bool(d)
                gru = self.mode == "GRU"
                b = b_ih if gru or b_ih is None else b_ih + b_hh
                x_proj = F.linear(x, w_ih, b)
                if flip is not None and rev:  # packed: reverse each sequence in place
                    x_proj, rev = x_proj[flip], False
                if gru:
                    y = _ops.gru_scan(x_proj, w_hh, h0[idx], b_hh, reverse=rev)
                elif lstm:
                    y = _ops.lstm_scan(x_proj, w_hh, h0[idx], c0[idx], reverse=rev)
                else:
                    nl = "relu" if self.mode == "RNN_RELU" else "tanh"
                    y = _ops.rnn_scan(x_proj, w_hh, h0[idx], nonlinearity=nl, reverse=rev)
                last = y[ends] if ends is not None else y[0 if rev else -1]
                if flip is not None and d:
                    y = y[flip]
                outs.append(y[..., :H] if lstm else y)
                h_n.append(last[..., :H] if lstm else last)
                if lstm:
                    c_n.append(last[..., H:])
            x = outs[0] if dirs == 1 else _ops.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        return x, ([_ops.stack(h_n), _ops.stack(c_n)] if lstm else [_ops.stack(h_n)])


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    Args:
        input_size, hidden_size: feature sizes of x_t and h_t.
        num_layers: stacked layers (each feeds the next).
        nonlinearity: 'tanh' (default) or 'relu'.
        bias: learn b_ih and b_hh (default True).
        batch_first: input/output are (N, T, feature) instead of (T, N, feature).
        dropout: dropout on each layer's output except the last (training only).
        bidirectional: also run the sequence backwards; outputs are concatenated.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o as in PyTorch):
    c_t = f c_{t-1} + i g, h_t = o tanh(c_t). Arguments as ``RNN`` (no nonlinearity);
    ``forward(input, (h0, c0))`` returns ``(output, (h_n, c_n))``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n as in PyTorch): n = tanh(W_in x + b_in +
    r * (W_hn h + b_hn)), h_t = (1 - z) n + z h_{t-1}. Arguments as ``RNN``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)


# ---- cells ---------------------------------------------------------------------------------


class RNNCellBase(Module):
    """One time step: parameters ``weight_ih`` (G*H, in), ``weight_hh`` (G*H, H), ``bias_ih``,
    ``bias_hh`` (G*H,), U(-1/sqrt(H), 1/sqrt(H)). Runs the fused recurrence for T = 1."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty(g, input_size, device=device, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(g, hidden_size, device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(g, device=device, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(g, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prepare(self, input, states):
        """(x (1, N, in), states as (N, H), batched) with unbatched inputs given a batch dim."""
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.ndim}D instead (shape {tuple(input.shape)})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{type(self).__name__}: input has inconsistent input_size: got "
                               f"{input.shape[-1]} expected {self.input_size}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        out = []
        for h in states:
            if h is None:
                h = Tensor._wrap(x.xp.zeros((x.shape[0], self.hidden_size), dtype=x.array.dtype))
            elif not batched:
                h = h.unsqueeze(0)
            if tuple(h.shape) != (x.shape[0], self.hidden_size):
                raise RuntimeError(f"{type(self).__name__}: hidden state of shape {tuple(h.shape)} "
                                   f"does not match input of shape {tuple(input.shape)} "
                                   f"(expected ({x.shape[0]}, {self.hidden_size}))")
            out.append(h)
        return x.unsqueeze(0), out, batched

    def _proj(self, x, fold_hh_bias=True):
        if self.bias_ih is None:
            return F.linear(x, self.weight_ih)
        b = self.bias_ih + self.bias_hh if fold_hh_bias else self.bias_ih
        return F.linear(x, self.weight_ih, b)


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act 'tanh' or 'relu'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, [hx])
        y = _ops.rnn_scan(self._proj(x), self.weight_hh, h, nonlinearity=self.nonlinearity)[0]
        return y if batched else y[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c))`` returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx=None):
        x, (h, c), batched = self._prepare(input, [None, None] if hx is None else list(hx))
        y = _ops.lstm_scan(self._proj(x), self.weight_hh, h, c)
        H = self.hidden_size
        h, c = y[0, :, :H], y[0, :, H:]
        return (h, c) if batched else (h[0], c[0])


class GRUCell(RNNCellBase):
    """One GRU step (PyTorch's r, z, n gates)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._prepare(input, [hx])
        y = _ops.gru_scan(self._proj(x, fold_hh_bias=False), self.weight_hh, h, self.bias_hh)[0]
        return y if batched else y[0]


__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]
