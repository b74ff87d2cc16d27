"""The fused recurrences (LSTMScan, GRUScan, RNNScan) as ONNX ``Scan`` loops.

minigrad's recurrent ops take the input projection ``x @ W_ih^T + b`` (computed by an
ordinary op before them) and return every step's state; LSTMScan returns ``[h_t | c_t]``
for every t, which ONNX's ``LSTM`` op cannot give (it returns only the last cell state),
and its projection input does not match ``LSTM``'s. A ``Scan`` whose body is one cell step
expresses each op exactly, gate order included, with any sequence length and batch size.
"""
from __future__ import annotations

from onnx import helper

from ._builder import elem_type


def _body_io(b, name, dtype, width):
    n = b.fresh(name)
    return n, helper.make_tensor_value_info(n, elem_type(dtype), [None, width])


def _scan(b, n, states, step):
    """Emit ``Scan(states..., x)`` with ``step(sub, state_names, x_t) -> (new states, y_t)``."""
    x = b.val(n.args[0])
    dt, hidden = n.dtype, n.args[1].shape[1]
    width = n.args[0].shape[-1]
    sub = b.subgraph()
    ins = [_body_io(b, f"{b.hint}/state{i}_in", dt, hidden) for i in range(len(states))]
    xt = _body_io(b, f"{b.hint}/x_t", dt, width)
    new, y = step(sub, [i[0] for i in ins], xt[0])
    outs = []
    for i, v in enumerate(new):
        o = sub.op("Identity", [v], name_hint=f"{b.hint}/state{i}_out")
        outs.append(helper.make_tensor_value_info(o, elem_type(dt), [None, hidden]))
    yo = sub.op("Identity", [y], name_hint=f"{b.hint}/y_t")
    outs.append(helper.make_tensor_value_info(yo, elem_type(dt), None))
    body = helper.make_graph(sub.nodes, b.fresh(f"{b.hint}/cell"), [i[1] for i in ins] + [xt[1]],
                             outs)
    rev = int(bool(n.kwargs.get("reverse", False)))
    res = b.op("Scan", states + [x], outputs=len(states) + 1, body=body, num_scan_inputs=1,
               scan_input_directions=[rev], scan_output_directions=[rev])
    return res[-1]


def _gates(sub, v, k, hidden):
    return sub.op("Split", [v, sub.ints([hidden] * k)], outputs=k, axis=1)


def lstm_scan(b, n):
    """c_t = f c + i g, h_t = o tanh(c_t), gates [i, f, g, o] = x_t + h W^T; y_t = [h_t|c_t]."""
    H = n.args[1].shape[1]
    wt = b.op("Transpose", [b.val(n.args[1])], perm=[1, 0])

    def step(s, st, xt):
        h, c = st
        i, f, g, o = _gates(s, s.op("Add", [s.op("MatMul", [h, wt]), xt]), 4, H)
        c2 = s.op("Add", [s.op("Mul", [s.op("Sigmoid", [f]), c]),
                          s.op("Mul", [s.op("Sigmoid", [i]), s.op("Tanh", [g])])])
        h2 = s.op("Mul", [s.op("Sigmoid", [o]), s.op("Tanh", [c2])])
        return [h2, c2], s.op("Concat", [h2, c2], axis=1)

    return _scan(b, n, [b.val(n.args[2]), b.val(n.args[3])], step)


def gru_scan(b, n):
    """r, z = sigmoid(x_rz + a_rz), n = tanh(x_n + r a_n), h_t = n + z (h - n), a = h W^T + b."""
    H = n.args[1].shape[1]
    wt = b.op("Transpose", [b.val(n.args[1])], perm=[1, 0])
    bias = b.val(n.args[3]) if len(n.args) > 3 else None

    def step(s, st, xt):
        (h,) = st
        a = s.op("MatMul", [h, wt])
        if bias is not None:
            a = s.op("Add", [a, bias])
        xr, xz, xn = _gates(s, xt, 3, H)
        ar, az, an = _gates(s, a, 3, H)
        r = s.op("Sigmoid", [s.op("Add", [xr, ar])])
        z = s.op("Sigmoid", [s.op("Add", [xz, az])])
        nn = s.op("Tanh", [s.op("Add", [xn, s.op("Mul", [r, an])])])
        h2 = s.op("Add", [nn, s.op("Mul", [z, s.op("Sub", [h, nn])])])
        return [h2], h2

    return _scan(b, n, [b.val(n.args[2])], step)


def rnn_scan(b, n):
    """h_t = act(x_t + h W^T), act tanh or relu."""
    wt = b.op("Transpose", [b.val(n.args[1])], perm=[1, 0])
    act = "Relu" if n.kwargs.get("nonlinearity", "tanh") == "relu" else "Tanh"

    def step(s, st, xt):
        h2 = s.op(act, [s.op("Add", [xt, s.op("MatMul", [st[0], wt])])])
        return [h2], h2

    return _scan(b, n, [b.val(n.args[2])], step)
