"""L-BFGS with an optional strong-Wolfe line search (as ``torch.optim.LBFGS``)."""
from __future__ import annotations

import math

from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor
from .optimizer import Optimizer, check_hparam

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    """Limited-memory BFGS, as ``torch.optim.LBFGS`` (after Nocedal & Wright, algorithm 7.4).

    ``step(closure)`` runs up to ``max_iter`` quasi-Newton iterations, re-evaluating the model
    through ``closure`` (which must zero the gradients, compute the loss, call
    ``backward()`` and return the loss). The search direction comes from the two-loop
    recursion over the last ``history_size`` curvature pairs ``(s, y)``; the step length is
    ``lr`` (the first iteration ever: ``min(1, 1 / |g|_1) * lr``) or, with
    ``line_search_fn="strong_wolfe"``, the result of a line search satisfying the strong
    Wolfe conditions (cubic interpolation, bracketing then zoom).

    All parameters are treated as one flat vector; like PyTorch, LBFGS supports a single
    parameter group. The state (``d``, ``t``, the history, ``func_evals``, ``n_iter``) lives
    under the first parameter, so calling ``step`` again continues the same run.

    Args:
        params: tensors to optimize (one group).
        lr: learning rate (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when ``max |g|`` falls to it (default 1e-7).
        tolerance_change: stop when the step or the loss changes less (default 1e-9).
        history_size: curvature pairs kept (default 100).
        line_search_fn: ``None`` or ``"strong_wolfe"``.
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None):
        check_hparam("lr", lr, label="learning rate")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                        tolerance_grad=tolerance_grad, tolerance_change=tolerance_change,
                        history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ---- the parameters as one flat vector ------------------------------------------------
    def _xp(self):
        return self._params[0].xp

    def _flat_grad(self):
        xp = self._xp()
        return xp.concatenate([
            (p.grad.array if p.grad is not None else xp.zeros(p.shape, p.array.dtype)).ravel()
            for p in self._params])

    def _add_grad(self, t: float, d) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.array += (t * d[offset:offset + n]).reshape(p.shape).astype(p.array.dtype)
            offset += n

    def _clone_params(self):
        return [p.array.copy() for p in self._params]

    def _set_params(self, arrays) -> None:
        for p, a in zip(self._params, arrays):
            p.array[...] = a

    def _evaluate(self, closure) -> float:
        with enable_grad():
            return float(closure())

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at ``x + t * d``; the parameters are put back to ``x``."""
        self._add_grad(t, d)
        loss = self._evaluate(closure)
        g = self._flat_grad()
        self._set_params(x)
        return loss, g

    # ---- the algorithm -----------------------------------------------------------------
    def step(self, closure):
        """Run the L-BFGS iterations; returns the loss of the first closure evaluation."""
        if closure is None:
            raise RuntimeError("LBFGS requires a closure that re-evaluates the model")
        with no_grad():
            return self._run(closure)

    def _run(self, closure):
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search_fn = group["history_size"], group["line_search_fn"]
        xp = self._xp()
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if float(xp.abs(g).max()) <= tol_grad:
            return orig_loss

        # the saved state holds Tensors (as PyTorch's, so state_dict() can be saved)
        d, t = _raw(state.get("d")), state.get("t")
        old_dirs, old_stps = _raw(state.get("old_dirs")), _raw(state.get("old_stps"))
        ro, h_diag = state.get("ro"), state.get("H_diag")
        prev_g, prev_loss = _raw(state.get("prev_flat_grad")), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                old_dirs, old_stps, ro, h_diag = [], [], [], 1.0
            else:
                y = g - prev_g
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the pair only where the curvature condition holds
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                d = _two_loop(g, old_dirs, old_stps, ro, h_diag)
            prev_g = g.copy()
            prev_loss = loss
            t = (min(1.0, 1.0 / float(xp.abs(g).sum())) * lr if state["n_iter"] == 1 else lr)
            gtd = float(g @ d)
            if gtd > -tol_change:  # not a descent direction
                break

            ls_evals = 0
            if line_search_fn is not None:
                x0 = self._clone_params()
                loss, g, t, ls_evals = _strong_wolfe(
                    lambda t_, d_: self._directional_evaluate(closure, x0, t_, d_),
                    t, d, loss, g, gtd)
                self._add_grad(t, d)
                opt_cond = float(xp.abs(g).max()) <= tol_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = self._evaluate(closure)
                    g = self._flat_grad()
                    opt_cond = float(xp.abs(g).max()) <= tol_grad
                    ls_evals = 1
            current_evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if float(xp.abs(d * t).max()) <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state.update(d=_wrap(d), t=t, old_dirs=_wrap(old_dirs), old_stps=_wrap(old_stps),
                     ro=ro, H_diag=h_diag, prev_flat_grad=_wrap(prev_g), prev_loss=prev_loss)
        return orig_loss


def _wrap(a):
    if a is None:
        return None
    if isinstance(a, list):
        return [Tensor._wrap(x) for x in a]
    return Tensor._wrap(a)


def _raw(t):
    if t is None:
        return None
    if isinstance(t, list):
        return [x.array for x in t]
    return t.array


def _two_loop(g, old_dirs, old_stps, ro, h_diag):
    """The L-BFGS direction ``-H g`` from the stored pairs (y in old_dirs, s in old_stps)."""
    q = -g
    al = [0.0] * len(old_dirs)
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = float(old_stps[i] @ q) * ro[i]
        q = q - al[i] * old_dirs[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        be = float(old_dirs[i] @ r) * ro[i]
        r = r + (al[i] - be) * old_stps[i]
    return r


def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``
    (default: the interval between the points); the midpoint when the cubic has none."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_sq = d1 * d1 - g1 * g2
    if d2_sq < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(d2_sq)
    if x1 <= x2:
        m = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        m = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(m, lo), hi)


def _strong_wolfe(obj, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Line search along ``d`` from loss ``f``/gradient ``g`` (slope ``gtd``) for a step ``t``
    meeting the strong Wolfe conditions; ``obj(t, d)`` gives (loss, flat grad) there.

    Returns (loss, grad, t, evaluations).
    """
    xp_abs_max = float(abs(d).max())
    f_new, g_new = obj(t, d)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    # bracketing phase: grow t until an interval holds a point satisfying the conditions
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            br, br_f, br_g, br_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            br, br_f, br_g, br_gtd = [t], [f_new], [g_new], [gtd_new]
            done = True
            break
        if gtd_new >= 0:
            br, br_f, br_g, br_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        t_next = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                            bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = obj(t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        br, br_f, br_g, br_gtd = [0.0, t], [f, f_new], [g, g_new], [gtd, gtd_new]

    # zoom phase: shrink the bracket by cubic interpolation
    insuf_progress = False
    low, high = (0, 1) if br_f[0] <= br_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(br[1] - br[0]) * xp_abs_max < tolerance_change:
            break
        t = _cubic_min(br[0], br_f[0], br_gtd[0], br[1], br_f[1], br_gtd[1])
        # keep t away from the bracket's ends unless the last step made progress
        lo_b, hi_b = min(br), max(br)
        eps = 0.1 * (hi_b - lo_b)
        if min(hi_b - t, t - lo_b) < eps:
            if insuf_progress or t >= hi_b or t <= lo_b:
                t = hi_b - eps if abs(t - hi_b) < abs(t - lo_b) else lo_b + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj(t, d)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= br_f[low]:
            br[high], br_f[high], br_g[high], br_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if br_f[0] <= br_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (br[high] - br[low]) >= 0:
                br[high], br_f[high], br_g[high], br_gtd[high] = \
                    br[low], br_f[low], br_g[low], br_gtd[low]
            br[low], br_f[low], br_g[low], br_gtd[low] = t, f_new, g_new, gtd_new
    return br_f[low], br_g[low], br[low], evals
