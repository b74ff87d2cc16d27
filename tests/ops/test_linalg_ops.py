"""minigrad.linalg beyond the spec table: PyTorch's errors (LinAlgError for singular / not
positive-definite input, RuntimeError for shapes and dtypes), the ``_ex`` info codes, result
tuples, the singular-matrix gradient of det, eig's real-only contract, and the functions
PyTorch removed."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import linalg as LA


def test_linalg_error_is_a_runtime_error_and_torch_linalg_imports():
    """Under minigrad.as_torch, ``import torch.linalg`` is this module (a fresh interpreter:
    the aliasing refuses to start once a real torch is loaded)."""
    import os
    import pathlib
    import subprocess
    import sys

    assert issubclass(LA.LinAlgError, RuntimeError)
    root = pathlib.Path(__file__).resolve().parents[2]
    code = ("import torch.linalg, minigrad.linalg\n"
            "from torch.linalg import LinAlgError, inv\n"
            "assert torch.linalg is minigrad.linalg and issubclass(LinAlgError, RuntimeError)\n"
            "print(inv(torch.eye(2) * 2).tolist())")
    p = subprocess.run([sys.executable, "-m", "minigrad.as_torch", "-c", code],
                       env=dict(os.environ, PYTHONPATH=str(root)), capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[[0.5, 0.0], [0.0, 0.5]]"


@pytest.mark.parametrize("fn,shape,dtype,match", [
    (LA.inv, (3,), mg.float64, "linalg.inv: The input tensor A must have at least 2 dimensions."),
    (LA.inv, (2, 3), mg.float64, "linalg.inv: A must be batches of square matrices, but they are "
                                 "2 by 3 matrices"),
    (LA.inv, (2, 2), mg.int64, "linalg.inv: Expected a floating point or complex tensor as input. "
                               "Got Long"),
    (LA.det, (2, 3), mg.float64, "square matrices"),
    (LA.cholesky, (2, 3, 2), mg.float64, "linalg.cholesky: A must be batches of square"),
    (LA.eigh, (4,), mg.float64, "at least 2 dimensions"),
    (LA.svd, (3,), mg.float64, "linalg.svd: The input tensor A must have at least 2 dimensions"),
    (LA.matrix_exp, (2, 3), mg.float64, "square"),
])
def test_shape_and_dtype_errors(fn, shape, dtype, match):
    with pytest.raises(RuntimeError, match=match.replace("(", r"\(").replace(")", r"\)")):
        fn(mg.ones(*shape, dtype=dtype))


def _singular():
    return np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])


def test_singular_and_not_positive_definite_raise_as_pytorch():
    torch = pytest.importorskip("torch")
    cases = [
        (LA.inv, torch.linalg.inv, _singular()),
        (LA.inv, torch.linalg.inv, np.stack([np.eye(3), _singular()])),
        (LA.cholesky, torch.linalg.cholesky, np.diag([1.0, -1.0, 2.0])),
        (LA.cholesky, torch.linalg.cholesky, np.stack([np.eye(2), np.ones((2, 2)) * [[1], [1]]
                                                       + np.diag([0.0, -1.0])])),
        (lambda a: LA.solve(a, mg.ones(3, dtype=mg.float64)),
         lambda a: torch.linalg.solve(a, torch.ones(3, dtype=torch.float64)), _singular()),
    ]
    for ours, theirs, a in cases:
        with pytest.raises(torch.linalg.LinAlgError) as want:
            theirs(torch.tensor(a))
        with pytest.raises(LA.LinAlgError) as got:
            ours(mg.tensor(a))
        assert str(got.value) == str(want.value)


def test_ex_variants_report_info_as_pytorch():
    torch = pytest.importorskip("torch")
    a = np.stack([np.eye(3) * 2, _singular(), np.diag([1.0, 0.0, 0.0])])
    inv_m, info_m = LA.inv_ex(mg.tensor(a))
    info_t = torch.linalg.inv_ex(torch.tensor(a)).info
    assert info_m.tolist() == info_t.tolist() and info_m.dtype == mg.int32
    np.testing.assert_allclose(inv_m.numpy()[0], np.eye(3) / 2)
    assert np.isnan(inv_m.numpy()[1]).all()
    s = np.stack([np.eye(2), np.array([[1.0, 2.0], [2.0, 1.0]])])
    assert LA.cholesky_ex(mg.tensor(s)).info.tolist() == \
        torch.linalg.cholesky_ex(torch.tensor(s)).info.tolist()
    with pytest.raises(LA.LinAlgError):
        LA.cholesky_ex(mg.tensor(s), check_errors=True)
    r, info = LA.solve_ex(mg.tensor(a), mg.ones(3, 1, dtype=mg.float64))
    assert info.tolist() == info_t.tolist() and np.isnan(r.numpy()[1]).all()
    lu_m = LA.lu_factor_ex(mg.tensor(a))
    lu_t = torch.linalg.lu_factor_ex(torch.tensor(a))
    assert lu_m.info.tolist() == lu_t.info.tolist()
    assert lu_m.pivots.tolist() == lu_t.pivots.tolist() and lu_m.pivots.dtype == mg.int32


def _cofactors(a):
    n = a.shape[0]
    c = np.empty_like(a)
    for i in range(n):
        for j in range(n):
            minor = np.delete(np.delete(a, i, 0), j, 1)
            c[i, j] = (-1) ** (i + j) * (np.linalg.det(minor) if minor.size else 1.0)
    return c


def test_det_gradient_of_singular_matrices_is_the_cofactor_matrix():
    """d det(A) / dA is the cofactor matrix, also where A is singular (det is a polynomial).
    PyTorch 2.13 returns zeros for an exactly singular A (its g * det * A^{-T} with det = 0);
    minigrad goes through the SVD there, so the rank n-1 case is right."""
    from minigrad.autograd import gradcheck

    for a in (_singular(), np.zeros((3, 3)), np.array([[1.0, 2.0], [2.0, 4.0]]),
              np.diag([2.0, 0.0, 3.0])):
        x = mg.tensor(a, requires_grad=True)
        LA.det(x).backward()
        np.testing.assert_allclose(x.grad.numpy(), _cofactors(a), atol=1e-12)
        assert gradcheck(LA.det, [mg.tensor(a, requires_grad=True)])


def test_slogdet_sign_and_logdet_of_negative_and_zero_determinants():
    a = mg.tensor([[0.0, 1.0], [1.0, 0.0]])
    sign, lad = LA.slogdet(a)
    assert sign.item() == -1.0 and lad.item() == pytest.approx(0.0)
    assert np.isnan(mg.logdet(a).item())
    assert mg.logdet(mg.zeros(2, 2)).item() == -np.inf
    assert mg.slogdet(mg.zeros(2, 2)).sign.item() == 0.0


def test_eig_is_real_only():
    L, _ = LA.eig(mg.tensor([[2.0, 1.0], [0.0, 3.0]]))
    np.testing.assert_allclose(sorted(L.tolist()), [2.0, 3.0])
    with pytest.raises(TypeError, match="complex eigenvalues.*no complex dtype"):
        LA.eig(mg.tensor([[0.0, -1.0], [1.0, 0.0]]))


@pytest.mark.parametrize("name", ["symeig", "eig", "lstsq", "solve", "matrix_rank"])
def test_removed_functions_raise_as_pytorch(name):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError) as want:
        getattr(torch, name)(torch.eye(2), torch.eye(2))
    with pytest.raises(RuntimeError) as got:
        getattr(mg, name)(mg.eye(2), mg.eye(2))
    first = str(want.value).splitlines()[0]
    assert str(got.value).startswith(first)
    assert hasattr(mg.Tensor, name) == hasattr(torch.Tensor, name)


@pytest.mark.parametrize("driver", [None, "gelsy", "gelsd", "gelss", "gels"])
def test_lstsq_result_fields_match_pytorch(driver):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    ours = LA.lstsq(mg.tensor(a), mg.tensor(b), driver=driver)
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(b), driver=driver)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-9, atol=1e-12)


def test_matrix_rank_and_qr_r_mode():
    torch = pytest.importorskip("torch")
    a = np.stack([_singular(), np.eye(3), np.zeros((3, 3))])
    assert LA.matrix_rank(mg.tensor(a)).tolist() == torch.linalg.matrix_rank(torch.tensor(a)).tolist()
    x = mg.tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    Q, R = LA.qr(x, mode="r")
    assert tuple(Q.shape) == (0,) and tuple(R.shape) == (2, 2)
    with pytest.raises(RuntimeError, match="derivative of linalg.qr with mode='r'"):
        R.sum().backward()
    Q, R = LA.qr(x, mode="complete")
    with pytest.raises(NotImplementedError, match="mode='complete' and nrows > ncols"):
        Q.sum().backward()


def test_svd_shapes_and_torch_svd_forms():
    a = mg.tensor(np.random.default_rng(1).standard_normal((2, 4, 3)))
    U, S, Vh = LA.svd(a)
    assert tuple(U.shape) == (2, 4, 4) and tuple(S.shape) == (2, 3) and tuple(Vh.shape) == (2, 3, 3)
    U, S, V = mg.svd(a)
    assert tuple(U.shape) == (2, 4, 3)
    np.testing.assert_allclose((U @ mg.diag_embed(S) @ V.mT).numpy(), a.numpy(), atol=1e-12)
    U0, _, V0 = a.svd(compute_uv=False)
    assert not U0.numpy().any() and not V0.numpy().any()


def test_lu_unpack_reconstructs_and_matches_pytorch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).standard_normal((2, 3, 4))
    P, L, U = mg.lu_unpack(*LA.lu_factor(mg.tensor(a)))
    Pt, Lt, Ut = torch.lu_unpack(*torch.linalg.lu_factor(torch.tensor(a)))
    for o, t in ((P, Pt), (L, Lt), (U, Ut)):
        np.testing.assert_allclose(o.numpy(), t.numpy(), atol=1e-12)
    np.testing.assert_allclose((P @ L @ U).numpy(), a, atol=1e-12)


def test_tensor_methods():
    a = mg.tensor([[4.0, 1.0], [1.0, 3.0]])
    np.testing.assert_allclose(a.inverse().numpy(), np.linalg.inv(a.numpy()))
    assert a.det().item() == pytest.approx(11.0)
    np.testing.assert_allclose(a.cholesky().numpy(), np.linalg.cholesky(a.numpy()))
    np.testing.assert_allclose(a.matrix_power(2).numpy(), a.numpy() @ a.numpy())
    for name in ("logdet", "slogdet", "pinverse", "cholesky_inverse", "cholesky_solve", "qr",
                 "svd", "lu", "lu_solve", "matrix_exp", "triangular_solve"):
        assert callable(getattr(mg.Tensor, name)), name


def test_geqrf_matches_pytorch_and_has_no_derivative():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(3).standard_normal((2, 4, 3))
    x = mg.tensor(a, requires_grad=True)
    h, tau = mg.geqrf(x)
    th, ttau = torch.geqrf(torch.tensor(a))
    np.testing.assert_allclose(h.detach().numpy(), th.numpy(), atol=1e-12)
    np.testing.assert_allclose(tau.numpy(), ttau.numpy(), atol=1e-12)
    np.testing.assert_allclose(x.geqrf()[1].numpy(), ttau.numpy(), atol=1e-12)
    with pytest.raises(RuntimeError, match="derivative of 'geqrf' is not implemented"):
        h.sum().backward()


def test_torch_norm_nuc():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).standard_normal((2, 3, 3))
    np.testing.assert_allclose(mg.norm(mg.tensor(a), p="nuc", dim=(1, 2)).numpy(),
                               torch.norm(torch.tensor(a), p="nuc", dim=(1, 2)).numpy())
    np.testing.assert_allclose(mg.tensor(a[0]).norm(p="nuc").item(),
                               torch.tensor(a[0]).norm(p="nuc").item())


def test_lowrank_factorizations_reconstruct_low_rank_matrices():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 6, 2)) @ rng.standard_normal((2, 2, 5))
    mg.manual_seed(0)
    U, S, V = mg.svd_lowrank(mg.tensor(a), q=3)
    assert tuple(U.shape) == (2, 6, 3) and tuple(S.shape) == (2, 3) and tuple(V.shape) == (2, 5, 3)
    np.testing.assert_allclose((U * S.unsqueeze(-2) @ V.mT).numpy(), a, atol=1e-10)
    c = a - a.mean(-2, keepdims=True)
    U, S, V = mg.pca_lowrank(mg.tensor(a))
    np.testing.assert_allclose((U * S.unsqueeze(-2) @ V.mT).numpy(), c, atol=1e-10)
    with pytest.raises(ValueError, match="not greater than min"):
        mg.pca_lowrank(mg.tensor(a), q=7)



def test_ldl_factor_and_solve_match_pytorch():
    """Bunch-Kaufman pivots (1x1 and 2x2 blocks, forced by zeros on the diagonal) as LAPACK's
    sytrf gives them to PyTorch; neither function has a derivative (as in PyTorch)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    two_by_two = 0
    for n in (1, 2, 3, 5, 8):
        for trial in range(6):
            a = rng.standard_normal((2, n, n))
            a = a + np.swapaxes(a, -1, -2)
            if trial % 2:
                a[:, 0, 0] = 0.0
            ours, theirs = LA.ldl_factor_ex(mg.tensor(a)), torch.linalg.ldl_factor_ex(torch.tensor(a))
            np.testing.assert_allclose(ours.LD.numpy(), theirs.LD.numpy(), atol=1e-10)
            assert ours.pivots.tolist() == theirs.pivots.tolist()
            assert ours.info.tolist() == theirs.info.tolist()
            two_by_two += int((ours.pivots.numpy() < 0).any())
            if not ours.info.numpy().any():
                b = rng.standard_normal((2, n, 3))
                x = LA.ldl_solve(ours.LD, ours.pivots, mg.tensor(b))
                np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), atol=1e-8)
    assert two_by_two > 0
    x = mg.tensor(np.eye(3) * 2, requires_grad=True)
    LD, _ = LA.ldl_factor(x)
    with pytest.raises(RuntimeError, match="derivative of 'linalg_ldl_factor_ex'"):
        LD.sum().backward()
    assert LA.ldl_factor_ex(mg.zeros(3, 3, dtype=mg.float64)).info.item() == 1


def test_lobpcg_matches_pytorch():
    """PyTorch iterates to its default tolerance; minigrad solves the dense problem exactly,
    so the comparison allows PyTorch's iteration error (rtol 1e-6)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    a = rng.standard_normal((9, 9))
    a = a @ a.T
    b = rng.standard_normal((9, 9))
    b = b @ b.T + 9 * np.eye(9)
    for kw in ({"k": 2}, {"k": 2, "largest": False}):
        E, X = mg.lobpcg(mg.tensor(a), **kw)
        Et, _ = torch.lobpcg(torch.tensor(a), **kw)
        np.testing.assert_allclose(E.numpy(), Et.numpy(), rtol=1e-6)
        np.testing.assert_allclose(a @ X.numpy(), X.numpy() * E.numpy(), atol=1e-9)
    E, X = mg.lobpcg(mg.tensor(a), k=1, B=mg.tensor(b))
    np.testing.assert_allclose(a @ X.numpy(), b @ X.numpy() * E.numpy(), atol=1e-9)
    np.testing.assert_allclose(X.numpy().T @ b @ X.numpy(), [[1.0]], atol=1e-12)
    with pytest.raises(ValueError, match="smaller than 3 x the number of requested eigenpairs"):
        mg.lobpcg(mg.tensor(a), k=4)
