"""``torch.nn.utils.rnn``: packing and padding variable-length sequences for RNNs.

A ``PackedSequence`` stores a batch of sequences of different lengths without padding:
``data`` holds, time step after time step, the entries of the sequences still running at
that step (longest first), and ``batch_sizes[t]`` says how many there are. RNN, LSTM and
GRU accept one and return one (see ``RNNBase.forward``). All functions here are
differentiable: they only index, so gradients flow back to the padded or listed inputs.
"""
from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Sequence

from ... import backend, creation
from ... import dtypes as _dt
from ... import ops as _ops
from ...tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "pad_sequence", "unpack_sequence", "unpad_sequence"]

np = backend.np


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Sequences packed by time step (see the module docstring).

    Attributes:
        data: (sum of lengths, *) the packed entries.
        batch_sizes: (max length,) int64 on the CPU: running sequences per step.
        sorted_indices: int64 order that sorted the batch by decreasing length (or None
            when it was already sorted); unsorted_indices: its inverse.
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """``data`` moved/cast like ``Tensor.to``; the index tensors follow the device."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        idx = [None if i is None else i.to(data.device)
               for i in (self.sorted_indices, self.unsorted_indices)]
        return type(self)(data, self.batch_sizes, *idx)

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, device=None) -> PackedSequence:
        return self.to("cuda" if device is None else device)

    def double(self) -> PackedSequence:
        return self.to(_dt.float64)

    def float(self) -> PackedSequence:
        return self.to(_dt.float32)

    def half(self) -> PackedSequence:
        return self.to(_dt.float16)

    @property
    def is_cuda(self) -> bool:
        return self.data.is_cuda

    def lengths(self):
        """The sequences' lengths (numpy int64), in the sorted (packed) order."""
        bs = self.batch_sizes.numpy()
        return (bs[None, :] > np.arange(int(bs[0]))[:, None]).sum(1)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    xp = permutation.xp
    p = permutation.array
    out = xp.empty_like(p)
    out[p] = xp.arange(p.shape[0], dtype=p.dtype)
    return Tensor._wrap(out)


def _lengths(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        if lengths.is_cuda:
            raise RuntimeError("'lengths' argument should be a 1D CPU int64 tensor, but got 1D "
                               f"{lengths.device} {lengths.dtype} tensor")
        lengths = lengths.numpy()
    return np.asarray(lengths, dtype=np.int64).reshape(-1)


def _positions(lens_sorted: np.ndarray):
    """(t, b) index arrays of every packed entry, in packed order."""
    T = int(lens_sorted[0])
    mask = lens_sorted[None, :] > np.arange(T)[:, None]  # (T, B): step t of sequence b runs
    t, b = np.nonzero(mask)  # row-major: time step after time step, longest first
    return t, b, mask.sum(1)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) ((B, T, *) with ``batch_first``) of sequences with the
    given ``lengths``.

    ``enforce_sorted=True`` requires lengths in decreasing order; otherwise the batch is
    sorted here and the order is remembered in ``sorted_indices``.
    """
    lens = _lengths(lengths)
    if lens.size != input.shape[0 if batch_first else 1]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lens.size} (batch_size={input.shape[0 if batch_first else 1]})")
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        order = None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
    if int(lens[0]) > input.shape[1 if batch_first else 0]:
        raise RuntimeError(f"Expected the longest length {int(lens[0])} to be at most the "
                           f"padded length {input.shape[1 if batch_first else 0]}")
    t, b, batch_sizes = _positions(lens)
    xp = input.xp
    if order is not None:
        b = order[b]
    ti, bi = Tensor._wrap(xp.asarray(t)), Tensor._wrap(xp.asarray(b))
    data = input[bi, ti] if batch_first else input[ti, bi]
    sorted_idx = None if order is None else Tensor._wrap(xp.asarray(order))
    return PackedSequence(data, creation.tensor(batch_sizes, dtype=_dt.int64), sorted_idx)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None):
    """Undo ``pack_padded_sequence``: returns (padded (T, B, *) or (B, T, *), lengths), in
    the batch's original order; ``total_length`` pads T further."""
    data, bs = sequence.data, sequence.batch_sizes.numpy()
    lens = sequence.lengths()
    T, B = len(bs), int(bs[0])
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {T}")
        T = total_length
    t, b, _ = _positions(lens)
    index = np.full((T, B), data.shape[0], dtype=np.int64)  # the padding row by default
    index[t, b] = np.arange(len(t))
    if sequence.unsorted_indices is not None:
        uns = sequence.unsorted_indices.numpy() if not data.is_cuda else \
            backend.as_numpy(sequence.unsorted_indices.array)
        index, lens = index[:, uns], lens[uns]
    if batch_first:
        index = index.T
    pad_row = creation.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype,
                            device=data.device)
    ext = _ops.cat([data, pad_row], 0)
    padded = ext[Tensor._wrap(data.xp.asarray(index))]
    return padded, creation.tensor(lens, dtype=_dt.int64)


def pad_sequence(sequences: Tensor | Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into (max L, B, *) ((B, max L, *) with
    ``batch_first``), filling with ``padding_value`` on the ``padding_side``."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    T = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        extra = T - s.shape[0]
        widths = [0, 0] * (s.ndim - 1) + ([extra, 0] if padding_side == "left" else [0, extra])
        rows.append(_ops.pad(s, widths, value=padding_value) if extra else s)
    return _ops.stack(rows, 0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) sequences (decreasing lengths unless ``enforce_sorted=False``)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The list of sequences cut from a padded batch at their ``lengths``."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_lengths(lengths))]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences in a PackedSequence, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)


