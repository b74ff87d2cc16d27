"""Graph breaks split a compiled function into compiled pieces around eager statements.

A replay runs none of the user's Python, so after a graph break the rest of the function
can only run if it is a function of its own. TorchDynamo makes one by rewriting bytecode;
here the function's source is split instead. When a trace breaks (``loss.item()``,
printing a tensor, ``if t > 0``...), the line is found in the function's frame and the
top-level statement of the body that holds it becomes an eager piece; the statements
before it and after it become two generated functions, each compiled on its own (and
split again if it breaks). An ``if`` statement that breaks has its test evaluated
eagerly and each branch made a block of its own, compiled and split the same way. Any
other compound statement (``for``, ``while``, ``with``, ``try``) that holds a break runs
eagerly as a whole.

The pieces share the function's locals through a dictionary kept by the runner. Each
piece is a generated function whose parameters are the locals it reads (or may leave
unchanged while a later piece reads them) and which returns ``(0, values)`` of the
locals it assigns that a later statement reads, or ``(1, value)`` where the original
function returns. A compiled piece's Python-valued parameters are part of its guard
key, so a value computed eagerly and read by a later piece re-traces that piece when it
changes; Python values computed inside a compiled piece are constants of its trace, as
in a whole compiled function (two traces are compared before a program is made).

A piece runs eagerly instead of compiled (its statements are first split one per piece,
so that the others still compile) when a compiled program could not stand for it: a
tensor it is given or returns has a live autograd graph (a replay's tensors have none,
so a forward cut from its backward stays eager), it returns a tensor that existed
before it (a replay would return a new Tensor object), a local it reads is not a Tensor
or a hashable value, or its trace breaks somewhere that is not one of its lines.
"""
from __future__ import annotations

import ast
import copy
import inspect
import sys
import textwrap
import types
import warnings

from ..tensor import Tensor

__all__ = ["Piece", "try_split"]


class _Unbound(str):
    """A local with no value (yet). A piece given it deletes the parameter, so reading it
    raises ``UnboundLocalError`` as in the original; a ``str`` subclass so that a compiled
    piece can return it as a Python literal."""

    __slots__ = ()


_UNBOUND = _Unbound("<unbound local>")
_MAX_TRACES = 8  # traces of a piece that never replays before it is run eagerly
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)
# names whose use needs the original frame (or class cell): such functions are not split
_FRAME_NAMES = {"locals": "locals()", "vars": "vars()", "eval": "eval()", "exec": "exec()",
                "super": "super()", "__class__": "__class__"}


class CannotSplit(Exception):
    """Why a function cannot be split at a graph break (it then runs eagerly)."""


class Piece:
    """What one piece of a split function is (``CompiledFunction.pieces`` lists them).

    Attributes:
        kind: ``"compiled"``, ``"eager"`` or ``"branch"`` (an ``if`` whose test runs
            eagerly; ``body``/``orelse`` are lists of pieces).
        lines: (first, last) source lines of the piece.
        compiled: for a compiled piece, its :class:`~minigrad.compile.CompiledFunction`
            (``graph``, ``code``, ``traces``, ``replays``); None otherwise.
        reason: for an eager piece, why it is eager.
    """

    def __init__(self, kind, lines, compiled=None, reason=None, body=None, orelse=None):
        self.kind, self.lines, self.compiled, self.reason = kind, lines, compiled, reason
        self.body, self.orelse = body, orelse

    def __repr__(self):
        extra = f" ({self.reason})" if self.reason else ""
        if self.compiled is not None:
            extra = f" (traces={self.compiled.traces}, replays={self.compiled.replays})"
        return f"<Piece {self.kind} lines {self.lines[0]}-{self.lines[1]}{extra}>"


# ---- source analysis ------------------------------------------------------------------
def _source(func):
    """The ``def`` of ``func`` as an AST with the file's line numbers."""
    code = func.__code__
    if code.co_name == "<lambda>":
        raise CannotSplit("a lambda has no statements to split")
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE |
                        inspect.CO_ASYNC_GENERATOR | inspect.CO_ITERABLE_COROUTINE):
        raise CannotSplit("a generator or coroutine")
    try:
        lines, start = inspect.getsourcelines(code)
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        raise CannotSplit("its source is not available") from None
    ast.increment_lineno(tree, start - 1)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == code.co_name]
    if not defs:
        raise CannotSplit("its source is not a def statement")
    fdef = defs[0]
    for n in _walk_scope(fdef.body):
        if isinstance(n, (ast.Global, ast.Nonlocal)):
            raise CannotSplit(f"a {type(n).__name__.lower()} statement at line {n.lineno}")
        if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)):
            raise CannotSplit("a generator or coroutine")
    for n in ast.walk(fdef):
        if isinstance(n, ast.Name) and n.id in _FRAME_NAMES:
            raise CannotSplit(f"it uses {_FRAME_NAMES[n.id]} (line {n.lineno}), which needs "
                              "the original frame")
        if isinstance(n, ast.Nonlocal) and set(n.names) & set(code.co_cellvars):
            raise CannotSplit(f"a nested function rebinds a local (line {n.lineno})")
    # a local captured by a closure must keep one binding: pieces are separate frames
    counts = {}
    params = fdef.args
    for a in params.posonlyargs + params.args + params.kwonlyargs + \
            [x for x in (params.vararg, params.kwarg) if x is not None]:
        counts[a.arg] = 1
    for n in _walk_scope(fdef.body):
        for name in _bound_here(n):
            counts[name] = counts.get(name, 0) + 1
    for c in code.co_cellvars:
        if counts.get(c, 0) > 1:
            raise CannotSplit(f"the local {c!r} is captured by a nested function and "
                              "assigned more than once")
    # the file may have been edited since the function was defined: the source must be
    # the code's (the same locals, within the same lines)
    last = max((ln for _, _, ln in code.co_lines() if ln is not None), default=0)
    local = set(code.co_varnames) | set(code.co_cellvars)
    annotated = {n.target.id for n in _walk_scope(fdef.body) if isinstance(n, ast.AnnAssign)
                 and n.value is None and isinstance(n.target, ast.Name)}  # ``x: int``
    if not local <= set(counts) or not set(counts) - local <= annotated or \
            not fdef.lineno <= last <= fdef.end_lineno:
        raise CannotSplit("its source file has changed since it was loaded")
    return fdef


def _walk_scope(stmts):
    """Every node of ``stmts`` in this function's scope (nested scopes' own nodes left
    out, but the names they bind here and what they evaluate here kept)."""
    stack = list(stmts)
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            stack += n.decorator_list + n.args.defaults + [d for d in n.args.kw_defaults if d]
        elif isinstance(n, ast.ClassDef):
            stack += n.decorator_list + n.bases + n.keywords
        elif isinstance(n, ast.Lambda):
            stack += n.args.defaults + [d for d in n.args.kw_defaults if d]
        elif isinstance(n, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            stack.append(n.generators[0].iter)  # evaluated here
            stack += [m for m in ast.walk(n) if isinstance(m, ast.NamedExpr)]  # bind here
        else:
            stack.extend(ast.iter_child_nodes(n))


def _bound_here(n):
    """Names node ``n`` binds in the scope it runs in."""
    if isinstance(n, ast.Name):
        return (n.id,) if isinstance(n.ctx, (ast.Store, ast.Del)) else ()
    if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (n.name,)
    if isinstance(n, ast.alias):
        return ((n.asname or n.name).split(".")[0],) if n.name != "*" else ()
    if isinstance(n, ast.ExceptHandler) and n.name:
        return (n.name,)
    if isinstance(n, (ast.MatchAs, ast.MatchStar)) and n.name:
        return (n.name,)
    if isinstance(n, ast.MatchMapping) and n.rest:
        return (n.rest,)
    if isinstance(n, ast.NamedExpr):
        return (n.target.id,)
    return ()


def _names(nodes, local):
    """(read, bound) local names of some statements (or expressions). Reads count every
    name mentioned, nested scopes included (a superset is harmless: more is passed)."""
    reads, bound = set(), set()
    for top in nodes:
        for n in ast.walk(top):
            if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store):
                reads.add(n.id)
        for n in _walk_scope([top]):
            bound.update(_bound_here(n))
            if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                reads.add(n.target.id)
    return reads & local, bound & local


def _definite(stmts):
    """Locals surely bound after ``stmts`` (a top-level assignment, never deleted)."""
    out, deleted = set(), set()
    for s in stmts:
        if isinstance(s, ast.Assign):
            for t in s.targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                        out.add(n.id)
        elif isinstance(s, ast.AnnAssign) and s.value is not None and \
                isinstance(s.target, ast.Name):
            out.add(s.target.id)
        for n in _walk_scope([s]):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Del):
                deleted.add(n.id)
    return out - deleted


class _Returns(ast.NodeTransformer):
    """``return x`` -> ``return (1, x)`` (not inside nested functions or classes)."""

    def visit_Return(self, n):
        v = n.value if n.value is not None else ast.Constant(None)
        return ast.copy_location(ast.Return(ast.Tuple([ast.Constant(1), v], ast.Load())), n)

    def _skip(self, n):
        return n

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _skip


def _at(node, line):
    for m in ast.walk(node):
        if "lineno" in m._attributes:
            m.lineno = m.end_lineno = line
            m.col_offset = m.end_col_offset = 0


def _lines(nodes):
    return (nodes[0].lineno, max(n.end_lineno for n in nodes))


def _trivial(stmts):
    """Statements with no array work: not worth a trace (``return loss``, a docstring)."""
    for s in stmts:
        if isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and
                                       isinstance(s.value, ast.Constant)):
            continue
        if isinstance(s, ast.Return) and all(
                isinstance(n, (ast.Name, ast.Constant, ast.Tuple, ast.Load))
                for n in ast.walk(s.value or ast.Constant(None))):
            continue
        return False
    return True


def _simple(node):
    """Whether ``node`` is a chain of names, attributes and constant subscripts."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Constant):
            return False
        node = node.value
    return isinstance(node, ast.Name)


def _written(stmts, local):
    """Python state outside the locals that statements visibly change: the targets of
    attribute and item assignments (``self.lr = v``, ``cfg["k"] += v``) and the objects
    whose methods they call (``log.append(v)``), as expressions to read again (a
    subscript with a computed key stands for its whole container)."""
    out = {}
    for n in _walk_scope(stmts):
        targets = []
        if isinstance(n, (ast.Assign, ast.Delete)):
            targets = list(n.targets)
        elif isinstance(n, (ast.AugAssign, ast.AnnAssign)):
            targets = [n.target]
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            targets = [n.func.value]
        while targets:
            t = targets.pop()
            if isinstance(t, (ast.Tuple, ast.List)):
                targets += t.elts
                continue
            if isinstance(t, ast.Starred):
                targets.append(t.value)
                continue
            while not _simple(t) and isinstance(t, (ast.Attribute, ast.Subscript)):
                t = t.value
            if not isinstance(t, (ast.Attribute, ast.Subscript, ast.Name)) or \
                    (isinstance(t, ast.Name) and t.id in local):
                continue  # a local itself is passed to the pieces that read it
            e = ast.fix_missing_locations(ast.Expression(_load(t)))
            out.setdefault(ast.unparse(e.body), e.body)
    return out


def _chains(stmts):
    """Source texts of the name/attribute/constant-subscript chains that statements use
    as a whole (``self.w`` in ``self.w * x``; ``self`` in ``self.helper(x)`` or
    ``f(self)``, where anything in it may be read)."""
    inner, out = set(), set()
    for s in stmts:
        for n in ast.walk(s):
            if isinstance(n, (ast.Attribute, ast.Subscript)):
                inner.add(id(n.value))
        for n in ast.walk(s):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and \
                    _simple(n.func.value):
                out.add(ast.unparse(n.func.value))
            elif isinstance(n, (ast.Name, ast.Attribute, ast.Subscript)) and \
                    id(n) not in inner and _simple(n):
                out.add(ast.unparse(n))
            elif isinstance(n, ast.Subscript) and not isinstance(n.slice, ast.Constant):
                base = n.value  # a computed key: the container is used as a whole
                if _simple(base):
                    out.add(ast.unparse(base))
    return out


def _overlaps(a, b):
    """Whether one chain is the other or reaches into it (``x.a`` and ``x.a[0]``, ``x``)."""
    if len(a) > len(b):
        a, b = b, a
    return b == a or (b.startswith(a) and b[len(a)] in ".[")


def _load(node):
    node = copy.deepcopy(node)
    for m in ast.walk(node):
        if hasattr(m, "ctx"):
            m.ctx = ast.Load()
    return node


# ---- the split function -----------------------------------------------------------------
class _Splitter:
    """Runs a function as a sequence of pieces; replaces a piece when it breaks."""

    def __init__(self, cf, func, bound_self, fdef):
        self.cf, self.func, self.bound_self, self.fdef = cf, func, bound_self, fdef
        code = func.__code__
        self.local = set(code.co_varnames) | set(code.co_cellvars)
        self.cells = dict(zip(code.co_freevars, func.__closure__ or ()))
        self.cells["_mg_U"] = types.CellType(_UNBOUND)
        self.sig = inspect.signature(func)
        plain = not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS) and \
            not code.co_kwonlyargcount
        self.nargs = code.co_argcount if plain else -1
        self.params = code.co_varnames[:code.co_argcount]
        self.warned = set()
        self.version = 0  # bumped when pieces change (the guards of each are redone)
        self.root = _Block(self, fdef.body, set())
        self.name = getattr(cf._fn, "__qualname__", code.co_name)

    # -- running
    def __call__(self, args, kwargs):
        if self.bound_self is not None:
            args = (self.bound_self,) + tuple(args)
        if not kwargs and len(args) == self.nargs:  # plain positional call: no binding
            env = dict(zip(self.params, args))
        else:
            b = self.sig.bind(*args, **kwargs)
            b.apply_defaults()
            env = dict(b.arguments)
        r = self.root.run(env)
        return None if r is None else r[1]

    # -- building pieces
    def build(self, stmts, ins, outs, test=None):
        """A generated function of ``ins`` running ``stmts`` (or evaluating ``test``)."""
        first, last = _lines(stmts if test is None else [test])
        name = f"{self.func.__code__.co_name}_lines_{first}_{last}"
        free = list(self.cells)
        src = (f"def _mg_outer({', '.join(free)}):\n    def {name}({', '.join(ins)}):\n"
               "        pass\n"
               f"    return {name}\n")
        mod = ast.parse(src)
        _at(mod, first)
        body = []
        for a in ins:
            pro = ast.parse(f"if {a} is _mg_U: del {a}").body[0]
            _at(pro, first)
            body.append(pro)
        getters = "".join(f"_mg_L.get({o!r}, _mg_U), " for o in outs)
        if test is None:
            body += [_Returns().visit(copy.deepcopy(s)) for s in stmts]
            tail = f"_mg_L = locals()\nreturn (0, ({getters}))"
        else:
            tail = f"_mg_c = True if _mg_T else False\n_mg_L = locals()\nreturn (_mg_c, ({getters}))"
        tail = ast.parse(tail).body
        for t in tail:
            _at(t, last)
        if test is not None:
            tail[0].value.test = copy.deepcopy(test)
        body += tail
        mod.body[0].body[0].body = body
        if test is None:  # compiled pieces are also given guard values, which they ignore
            mod.body[0].body[0].args.vararg = ast.arg("_mg_guards")
        fn = self._function(mod, name, self.func.__code__.co_filename)
        fn.__qualname__ = f"{self.func.__qualname__}[lines {first}-{last}]"
        return fn

    def _function(self, mod, name, filename):
        """The function ``name`` that ``mod`` defines inside ``_mg_outer``, made with the
        original function's globals and closure cells (so both stay live)."""
        ast.fix_missing_locations(mod)
        ns = {}
        exec(compile(mod, filename, "exec"), ns)
        inner = next(c for c in ns["_mg_outer"].__code__.co_consts
                     if isinstance(c, types.CodeType))
        return types.FunctionType(inner, self.func.__globals__, name, None,
                                  tuple(self.cells[n] for n in inner.co_freevars))

    def getter(self, paths, ins):
        """A function of ``ins`` returning the current value of each expression in
        ``paths`` (``_UNBOUND`` where reading it fails)."""
        lines = [f"def _mg_outer({', '.join(self.cells)}):",
                 f"    def _mg_read({', '.join(ins)}):", "        out = []"]
        for src in paths:
            lines += ["        try:", f"            out.append({src})",
                      "        except Exception:", "            out.append(_mg_U)"]
        lines += ["        return out", "    return _mg_read"]
        return self._function(ast.parse("\n".join(lines)), "_mg_read",
                              "<minigrad.compile guards>")

    def written(self):
        """What the eager pieces change outside the locals, by source text."""
        out = {}
        for run in self.root.runs():
            if run.cf is None:
                out.update(run.writes)
        return out

    # -- breaks
    def warn(self, brk, how):
        if brk.where in self.warned:
            return
        self.warned.add(brk.where)
        warnings.warn(f"minigrad.compile: graph break in {self.name} ({brk.what} at "
                      f"{brk.where}); {how}", RuntimeWarning, stacklevel=_user_level())

    def broke(self, run, brk, code=None):
        """Piece ``run`` broke (its trace ran to the end eagerly): replace it."""
        code = code or run.fn.__code__
        line = next((ln for c, ln in getattr(brk, "frames", ()) if c is code), None)
        block = run.block
        k = None
        if line is not None:
            k = next((k for k in range(run.i, run.j)
                      if block.stmts[k].lineno <= line <= block.stmts[k].end_lineno), None)
        if k is None:
            self.dirty(run, brk.what)
            return
        s = block.stmts[k]
        new = []
        if k > run.i:
            new += _runs(block, run.i, k)
        if isinstance(s, ast.If):
            new.append(_Branch(block, k))
            how = "its test runs eagerly and each branch is compiled on its own"
        else:
            new.append(_Run(block, k, k + 1, reason=brk.what))
            how = "it runs eagerly"
        if isinstance(s, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try)):
            how += f" (the whole {type(s).__name__.lower()} statement)"
        if k + 1 < run.j:
            new += _runs(block, k + 1, run.j)
        block.replace(run, new)
        first, last = _lines([s])
        self.warn(brk, f"split at the statement on lines {first}-{last}: {how}, the code "
                       "before and after it is compiled")

    def dirty(self, run, why):
        """A compiled program cannot stand for ``run``: split it one statement per piece,
        or run it eagerly if it is one statement already."""
        block = run.block
        if run.j - run.i > 1:
            block.replace(run, [_Run(block, k, k + 1) for k in range(run.i, run.j)])
        elif isinstance(block.stmts[run.i], ast.If):
            block.replace(run, [_Branch(block, run.i)])
        else:
            run.cf, run.reason = None, why
            self.version += 1

    def pieces(self):
        return self.root.pieces()


def _user_level():
    """The ``stacklevel`` that attributes a warning to the first frame outside minigrad."""
    f, level = sys._getframe(2), 2
    while f is not None and "/minigrad/" in f.f_code.co_filename.replace("\\", "/"):
        f, level = f.f_back, level + 1
    return level


class _Block:
    """A list of statements (the body, or a branch of a split ``if``) and its pieces."""

    def __init__(self, split, stmts, after):
        self.split, self.stmts, self.after = split, stmts, after
        self.segs = _runs(self, 0, len(stmts)) if stmts else []

    def live_after(self, j):
        return _names(self.stmts[j:], self.split.local)[0] | self.after

    def replace(self, seg, new):
        i = next(i for i, s in enumerate(self.segs) if s is seg)
        self.segs = self.segs[:i] + new + self.segs[i + 1:]
        self.split.version += 1

    def runs(self):
        for s in self.segs:
            if isinstance(s, _Run):
                yield s
            else:
                yield from s.body.runs()
                yield from s.orelse.runs()

    def run(self, env):
        for seg in self.segs:
            r = seg.run(env)
            if r is not None:
                return r
        return None

    def pieces(self):
        return [s.piece() for s in self.segs]


def _set(env, names, values):
    for n, v in zip(names, values):
        if v is _UNBOUND:
            env.pop(n, None)
        else:
            env[n] = v


def _runs(block, i, j):
    """Pieces for ``block.stmts[i:j]``: one compiled piece, and a final ``return name``
    apart (the piece would return a tensor it was given, and a replay cannot)."""
    if j - i > 1 and _trivial(block.stmts[j - 1:j]):
        return [_Run(block, i, j - 1), _Run(block, j - 1, j)]
    return [_Run(block, i, j)]


class _Run:
    """Statements ``block.stmts[i:j]`` as one generated function, compiled or eager."""

    def __init__(self, block, i, j, reason=None):
        split = block.split
        self.block, self.i, self.j, self.reason = block, i, j, reason
        stmts = block.stmts[i:j]
        reads, bound = _names(stmts, split.local)
        self.outs = sorted(bound & block.live_after(j))
        self.ins = sorted(reads | (set(self.outs) - _definite(stmts)))
        self.fn = split.build(stmts, self.ins, self.outs)
        self.writes = _written(stmts, split.local)
        self.chains = _chains(stmts)
        self.guards = (-1, None)  # (splitter version, reader of the guard values)
        self.cf = None
        if reason is None and not _trivial(stmts):
            self.cf = _PieceFunction(self.fn, self, split)

    def _guard_values(self, args):
        """The current values of what eager pieces change and this piece mentions: extra
        arguments of the compiled piece, so a change re-traces it (part of its key)."""
        split = self.block.split
        if self.guards[0] != split.version:
            paths = [p for p in split.written() if any(_overlaps(p, c) for c in self.chains)]
            self.guards = (split.version, split.getter(paths, self.ins) if paths else None)
        read = self.guards[1]
        return read(*args) if read is not None else []

    def run(self, env):
        args = [env.get(n, _UNBOUND) for n in self.ins]
        cf = self.cf
        if cf is None:
            r = self.fn(*args)
        else:
            full = args + self._guard_values(args)
            why = _unfit(full, cf)
            if why is not None:
                self.block.split.dirty(self, why)
                r = self.fn(*args)
            else:
                r = cf(*full)
                if cf.traces >= _MAX_TRACES and cf.replays < cf.traces and self.cf is cf:
                    self.cf, self.reason = None, ("it is traced again on every call (a "
                                                  "Python value it reads keeps changing)")
                    self.block.split.version += 1
        if r[0]:
            return r
        _set(env, self.outs, r[1])
        return None

    def piece(self):
        lines = _lines(self.block.stmts[self.i:self.j])
        if self.cf is not None:
            return Piece("compiled", lines, compiled=self.cf)
        return Piece("eager", lines, reason=self.reason or "no array work")


class _Branch:
    """An ``if`` that broke: its test runs eagerly, each branch is a block of pieces."""

    def __init__(self, block, k):
        split = block.split
        self.block, self.k = block, k
        s = block.stmts[k]
        after = block.live_after(k + 1)
        reads, bound = _names([s.test], split.local)
        later = after | _names(s.body, split.local)[0] | _names(s.orelse, split.local)[0]
        self.outs = sorted(bound & later)
        self.ins = sorted(reads | set(self.outs))
        self.test = split.build(None, self.ins, self.outs, test=s.test)
        self.body = _Block(split, s.body, after)
        self.orelse = _Block(split, s.orelse, after)

    def run(self, env):
        c, vals = self.test(*[env.get(n, _UNBOUND) for n in self.ins])
        _set(env, self.outs, vals)
        return (self.body if c else self.orelse).run(env)

    def piece(self):
        return Piece("branch", _lines([self.block.stmts[self.k]]), body=self.body.pieces(),
                     orelse=self.orelse.pieces())


def _unfit(args, cf):
    """Why the compiled piece cannot run on ``args``, or None."""
    for a in args:
        if isinstance(a, Tensor):
            if a._ctx is not None and a._ctx.parents is not None:
                return "a tensor it reads has a live autograd graph"
        elif isinstance(a, (tuple, frozenset)) and any(isinstance(v, Tensor) for v in a):
            return "a tuple of tensors among its locals"
    if cf._key(args, None) is None:
        return ("a value it reads (a local, or state an eager piece changes) is not a tensor "
                "or a hashable value (a list, a dict?)")
    return None


def _flat_tensors(x, acc):
    if isinstance(x, Tensor):
        acc.append(x)
    elif isinstance(x, (tuple, list)):
        for v in x:
            _flat_tensors(v, acc)
    return acc


def _make_piece_class():
    from . import CompiledFunction
    from .tracer import GraphBreak

    class _PieceFunction(CompiledFunction):
        """A compiled piece: breaks are handed to the splitter; traces and replays are
        counted (``replays`` is what the tests read to know a piece really replays)."""

        def __init__(self, fn, run, split):
            super().__init__(fn, fullgraph=False, mode=split.cf.mode, dynamic=split.cf.dynamic)
            self._run, self._splitter = run, split
            self.traces = self.replays = 0

        def _trace(self, key, entries, args):
            self.traces += 1
            r = super()._trace(key, entries, args)
            progs = [p for ps in self._cache.values() for p in ps] + \
                [p for p in self._generic.values() if p is not None]
            for p in progs:
                if hasattr(p, "fn") and not getattr(p, "_counted", False):
                    p.fn, p._counted = self._counting(p.fn), True
            return r

        def _counting(self, fn):
            def replay(args):
                r = fn(args)
                self.replays += 1
                return r

            return replay

        def _on_break(self, brk):
            self._splitter.broke(self._run, brk)
            return True

        def _check_result(self, rec, result):
            before = {id(t) for t in rec.entry_tensors}
            if any(id(t) in before for t in _flat_tensors(result, [])):
                return GraphBreak("returning a tensor that existed before the piece (a "
                                  "replay would return a new Tensor object)")
            return None

    return _PieceFunction


_piece_class = None


def _PieceFunction(fn, run, split):
    global _piece_class
    if _piece_class is None:
        _piece_class = _make_piece_class()
    return _piece_class(fn, run, split)


def try_split(cf, brk):
    """Split compiled function ``cf`` at graph break ``brk``; the reason if it cannot."""
    fn = cf._fn
    bound_self = None
    if inspect.ismethod(fn):
        fn, bound_self = fn.__func__, fn.__self__
    if not isinstance(fn, types.FunctionType):
        return f"{type(fn).__name__} is not a Python function"
    try:
        fdef = _source(fn)
        split = _Splitter(cf, fn, bound_self, fdef)
    except CannotSplit as e:
        return str(e)
    run = split.root.segs[0]
    line = next((ln for c, ln in getattr(brk, "frames", ()) if c is fn.__code__), None)
    if line is None:
        return "the break is not on one of its lines"
    split.broke(run, brk, code=fn.__code__)
    cf._split = split
    return None
