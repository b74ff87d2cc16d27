"""Attention layers: MultiheadAttention, TransformerEncoderLayer, TransformerEncoder.

Parameter names and layouts are PyTorch's (``in_proj_weight`` (3E, E) stacking the query,
key and value projections, ``out_proj``), so state dicts load into ``torch.nn`` and back.
"""
from __future__ import annotations

import copy
from collections.abc import Callable

from .. import creation
from ..tensor import Tensor
from . import functional as F
from . import init
from ._functional_loss import attention
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .normalization import LayerNorm
from .parameter import Parameter


class MultiheadAttention(Module):
    """Multi-head attention: ``out_proj(concat_h softmax(q_h k_h^T / sqrt(d) + mask) v_h)``.

    Args:
        embed_dim: model width E (split into ``num_heads`` heads of E / num_heads).
        num_heads: number of heads.
        dropout: dropout on the attention weights (training only).
        bias: biases for the input and output projections.
        kdim, vdim: key/value feature sizes (default E); when they differ from E the
            projections are separate ``q_proj_weight``/``k_proj_weight``/``v_proj_weight``.
        batch_first: inputs/outputs are (N, L, E) instead of (L, N, E).

    Initialisation as PyTorch: xavier_uniform_ projections, zero biases, ``out_proj`` weight
    as a Linear layer.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise AssertionError(f"embed_dim ({embed_dim}) must be divisible by num_heads "
                                 f"({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not "
                                      "supported")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        self.batch_first = batch_first
        kw = {"device": device, "dtype": dtype}
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(creation.empty(3 * embed_dim, embed_dim, **kw))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(creation.empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(creation.empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(creation.empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **kw)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def _projections(self, query, key, value):
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:  # self-attention: one matmul for q, k and v
                qkv = F.linear(query, w, b)
                return qkv[..., :E], qkv[..., E:2 * E], qkv[..., 2 * E:]
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False):
        """Args:
            query: (L, N, E) ((N, L, E) with batch_first, or unbatched (L, E)).
            key: (S, N, kdim); value: (S, N, vdim).
            key_padding_mask: (N, S): bool True = ignore that key; float: added.
            need_weights: also return the attention weights.
            attn_mask: (L, S) or (N * num_heads, L, S): bool True = not allowed; float: added.
            average_attn_weights: average the returned weights over heads.
            is_causal: with no attn_mask, apply a causal mask.

        Returns:
            (attn_output (L, N, E), weights (N, L, S) (per head: (N, num_heads, L, S)) or None)
        """
        batched = query.ndim == 3
        same = query is key and key is value
        if not batched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:
            query, key, value = (x.transpose(0, 1) for x in (query, key, value))
        if same:
            key = value = query
        L, N, E = query.shape
        S = key.shape[0]
        if E != self.embed_dim:
            raise AssertionError(f"was expecting embedding dimension of {self.embed_dim}, but "
                                 f"got {E}")
        if tuple(key.shape[:2]) != (S, N) or tuple(value.shape[:2]) != (S, N):
            raise RuntimeError(f"MultiheadAttention: key {tuple(key.shape)} and value "
                               f"{tuple(value.shape)} must be (S, N, *) for query "
                               f"{tuple(query.shape)}")
        q, k, v = self._projections(query, key, value)
        H, d = self.num_heads, self.head_dim
        # (T, N, E) -> (N, H, T, d)
        q, k, v = (x.reshape(x.shape[0], N, H, d).permute(1, 2, 0, 3) for x in (q, k, v))
        keep, bias = self._masks(attn_mask, key_padding_mask, is_causal, L, S, N, q)
        p = self.dropout if self.training else 0.0
        out, weights = attention(q, k, v, keep, bias, p)
        out = out.permute(2, 0, 1, 3).reshape(L, N, E)
        out = self.out_proj(out)
        if not batched:
            out = out[:, 0]
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights if batched else weights[0])

    def _masks(self, attn_mask, key_padding_mask, is_causal, L, S, N, q):
        """The masks as (keep: bool array or None, bias: float Tensor or None), both
        broadcastable to (N, H, L, S)."""
        xp = q.xp
        keep, bias = None, None
        if attn_mask is None and is_causal:
            keep = xp.tril(xp.ones((L, S), dtype=bool))
        elif attn_mask is not None:
            if attn_mask.ndim == 3:
                if tuple(attn_mask.shape) != (N * self.num_heads, L, S):
                    raise RuntimeError(f"The shape of the 3D attn_mask is "
                                       f"{tuple(attn_mask.shape)}, but should be "
                                       f"{(N * self.num_heads, L, S)}.")
                attn_mask = attn_mask.reshape(N, self.num_heads, L, S)
            elif tuple(attn_mask.shape) != (L, S):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(L, S)}.")
            if attn_mask.array.dtype.kind == "b":
                keep = ~attn_mask  # tensor ops, so that ONNX export follows a mask input
            else:
                bias = attn_mask
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (N, S):
                raise RuntimeError(f"expected key_padding_mask of shape {(N, S)}, got "
                                   f"{tuple(key_padding_mask.shape)}")
            kpm = key_padding_mask.reshape(N, 1, 1, S)
            if kpm.array.dtype.kind == "b":
                keep = ~kpm if keep is None else ~kpm & keep
            else:
                bias = kpm if bias is None else bias + kpm
        return (keep.array if isinstance(keep, Tensor) else keep), bias


def _get_activation(activation):
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual connection and
    LayerNorm (after the residual, or before each block with ``norm_first``).

    Args:
        d_model: model width; nhead: attention heads.
        dim_feedforward: hidden width of the feed-forward block.
        dropout: dropout in attention, after each block and inside the feed-forward block.
        activation: 'relu', 'gelu' or a callable.
        layer_norm_eps: LayerNorm epsilon.
        batch_first: (N, L, E) instead of (L, N, E).
        norm_first: pre-norm (LayerNorm before attention / feed-forward).
        bias: biases in the linear layers and LayerNorms.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation: str | Callable = "relu", layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _get_activation(activation)

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """A stack of ``num_layers`` deep copies of ``encoder_layer`` and an optional final norm."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)


__all__ = ["MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder"]
