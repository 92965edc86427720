"""AutoGraph's source-to-source conversion: a Python function's AST, rewritten.

The passes, in order, on each function (and each function defined inside it):

1. **Conditional returns**: `if c: ...; return a` followed by more statements moves those
   statements into the `else` branch (and the mirror case), so both branches return.
2. **Returns** nested in compound statements become `do_return = True; retval_ = value`;
   the statements after one run under `if not do_return:`, loops gain `not do_return` in
   their condition, and the function ends with `return ag__.retval(retval_)`.
3. **break / continue** become flags (`break_`, `continue_`) in the same way.
4. **Liveness**: a backward pass marks which names each `if`/`while`/`for` must output.
5. **Control flow**: each `if`/`while`/`for` becomes local functions whose parameters are
   the names the statement modifies and whose result is the names live after it, and a
   call of `ag__.if_stmt` / `ag__.while_stmt` / `ag__.for_stmt` (tfcompat.autograph's
   operators), which run them as Python or as `tf.cond` / `tf.while_loop` depending on
   the condition's type. `and`, `or`, `not` and `a if c else b` become `ag__.and_`,
   `ag__.or_`, `ag__.not_`, `ag__.if_exp`; calls become `ag__.converted_call`, which
   converts user functions the same way when they are called.

The generated nodes keep the line numbers of the statements they come from, and the code
is compiled under the original file name, so tracebacks and error reports show the user's
file and line.
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections.abc import Iterable, Sequence

__all__ = ["convert_function_def"]

_AG = "ag__"


class ConversionError(Exception):
    """A construct AutoGraph cannot convert (raised at conversion time)."""


# --------------------------------------------------------------------------------------
# Small AST helpers
# --------------------------------------------------------------------------------------


def _name(id_: str, ctx: ast.expr_context | None = None) -> ast.Name:
    return ast.Name(id=id_, ctx=ctx or ast.Load())


def _ag(attr: str) -> ast.Attribute:
    return ast.Attribute(value=_name(_AG), attr=attr, ctx=ast.Load())


def _call(func: ast.expr, args: Sequence[ast.expr]) -> ast.Call:
    return ast.Call(func=func, args=list(args), keywords=[])


def _note(node: ast.AST, key: str, value: object) -> None:
    """Attach an analysis result to a node (read back with getattr)."""
    setattr(node, key, value)


def _const(value: str | bool | None) -> ast.Constant:
    return ast.Constant(value=value)


def _tuple(elts: Sequence[ast.expr], ctx: ast.expr_context | None = None) -> ast.Tuple:
    return ast.Tuple(elts=list(elts), ctx=ctx or ast.Load())


def _names_tuple(names: Sequence[str], store: bool = False) -> ast.Tuple:
    ctx: ast.expr_context = ast.Store() if store else ast.Load()
    return _tuple([_name(n, ctx) for n in names], ctx)


def _assign(target: str, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[_name(target, ast.Store())], value=value, lineno=0)


def _not(expr: ast.expr) -> ast.expr:
    return _call(_ag("not_"), [expr])


def _lambda(body: ast.expr) -> ast.Lambda:
    args = ast.arguments(
        posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
    )
    return ast.Lambda(args=args, body=body)


def _fundef(name: str, params: Sequence[str], body: list[ast.stmt]) -> ast.FunctionDef:
    args = ast.arguments(
        posonlyargs=[],
        args=[ast.arg(arg=p) for p in params],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )
    return ast.FunctionDef(
        name=name, args=args, body=body or [ast.Pass()], decorator_list=[], returns=None
    )


def _header(node: ast.stmt) -> ast.AST:
    """A location spanning a compound statement's first line (up to its test)."""
    head = ast.Pass()
    ast.copy_location(head, node)
    part = getattr(node, "test", None) or getattr(node, "iter", None)
    if part is not None:
        head.end_lineno, head.end_col_offset = part.end_lineno, part.end_col_offset
    else:
        head.end_lineno, head.end_col_offset = node.lineno, node.col_offset
    return head


def _located(nodes: Iterable[ast.AST], origin: ast.AST) -> None:
    if isinstance(origin, (ast.If, ast.While, ast.For)):
        origin = _header(origin)
    for n in nodes:
        for sub in ast.walk(n):
            if "lineno" in sub._attributes and not hasattr(sub, "_ag_loc"):
                _note(sub, "_ag_loc", True)
                if getattr(sub, "lineno", None) in (None, 0):
                    ast.copy_location(sub, origin)
                    if hasattr(origin, "end_lineno"):
                        sub.end_lineno = origin.end_lineno  # type: ignore[attr-defined]
                        sub.end_col_offset = origin.end_col_offset  # type: ignore[attr-defined]


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _walk_scope(node: ast.AST) -> Iterable[ast.AST]:
    """`ast.walk` that does not enter nested functions, lambdas, classes or comprehensions
    (their names are their own), though it yields the nested node itself."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if n is not node and isinstance(n, (*_SCOPES, *_COMPREHENSIONS)):
            continue
        todo.extend(ast.iter_child_nodes(n))


def _assigned(nodes: Iterable[ast.AST]) -> set[str]:
    """Names bound by these statements (not inside nested scopes)."""
    out: set[str] = set()
    for node in nodes:
        for n in _walk_scope(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
                out.add(n.id)
            elif (
                isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and n is not node
            ) or isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(n.name)
            elif isinstance(n, (ast.Import, ast.ImportFrom)):
                for alias in n.names:
                    out.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(n, ast.NamedExpr) and isinstance(n.target, ast.Name):
                out.add(n.target.id)
    return out


def _loaded(nodes: Iterable[ast.AST]) -> set[str]:
    """Names read by these nodes, including free names of nested scopes."""
    out: set[str] = set()
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                out.add(n.id)
            elif isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                out.add(n.target.id)
    return out


# --------------------------------------------------------------------------------------
# Pass 0: attributes assigned in control flow become state
# --------------------------------------------------------------------------------------


class _AttributeState:
    """`obj.attr = ...` inside an `if`/`while`/`for` becomes a state name, as TF's
    AutoGraph carries such attributes through `tf.cond`/`tf.while_loop`.

    For each attribute `base.attr` (base a plain name the statement does not rebind)
    assigned in the statement, a local `t` holds its value: `t = ld_attr(base, ...)`
    before it, each branch or loop body starts with `st_attr(base, 'attr', t)` (so every
    branch and iteration starts from the value it would see) and ends with `t = ld_attr(...)`,
    and `st_attr` after the statement sets the result. A `while` test reads `t`. The later
    passes then treat `t` like any variable (cond output, loop variable). Statements with
    `return`, `break` or `continue` inside, and loops with `else`, are left as written.
    """

    def __init__(self, counter: _Counter) -> None:
        self.counter = counter

    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s: ast.stmt) -> list[ast.stmt]:
        if not isinstance(s, (ast.If, ast.While, ast.For)):
            if isinstance(s, (ast.With, ast.Try)):
                for field in ("body", "orelse", "finalbody"):
                    if hasattr(s, field):
                        setattr(s, field, self.block(getattr(s, field)))
                if isinstance(s, ast.Try):
                    for h in s.handlers:
                        h.body = self.block(h.body)
            return [s]
        s.body = self.block(s.body)
        s.orelse = self.block(s.orelse)
        attrs = self._attributes(s)
        if not attrs:
            return [s]
        temps = []
        for base, attr in attrs:
            t = self.counter.next("attr__ag")
            self.counter.display[t] = f"{base}.{attr}"
            temps.append((base, attr, t))

        def load(base: str, attr: str, t: str) -> ast.stmt:
            return _assign(
                t, _call(_ag("ld_attr"), [_name(base), _const(attr), _const(f"{base}.{attr}")])
            )

        def store(base: str, attr: str, t: str) -> ast.stmt:
            return ast.Expr(value=_call(_ag("st_attr"), [_name(base), _const(attr), _name(t)]))

        def wrap(body: list[ast.stmt]) -> list[ast.stmt]:
            return [*(store(*x) for x in temps), *body, *(load(*x) for x in temps)]

        s.body = wrap(s.body)
        if isinstance(s, ast.If):
            s.orelse = wrap(s.orelse)
        else:
            if isinstance(s, ast.While):
                s.test = _ReadTemps({(b, a): t for b, a, t in temps}).visit(s.test)
        new = [*(load(*x) for x in temps), s, *(store(*x) for x in temps)]
        _located(new, s)
        return new

    @staticmethod
    def _attributes(s: ast.If | ast.While | ast.For) -> list[tuple[str, str]]:
        if not isinstance(s, ast.If) and s.orelse:
            return []
        found: list[tuple[str, str]] = []
        for n in _walk_scope(s):
            if isinstance(n, (ast.Return, ast.Break, ast.Continue)):
                return []
            targets: list[ast.expr] = []
            if isinstance(n, ast.Assign):
                targets = list(n.targets)
            elif isinstance(n, (ast.AugAssign, ast.AnnAssign)):
                targets = [n.target]
            for t in targets:
                for x in ast.walk(t):
                    if (
                        isinstance(x, ast.Attribute)
                        and isinstance(x.ctx, ast.Store)
                        and isinstance(x.value, ast.Name)
                        and (x.value.id, x.attr) not in found
                    ):
                        found.append((x.value.id, x.attr))
        rebound = _assigned([s])
        return [(b, a) for b, a in found if b not in rebound]


class _ReadTemps(ast.NodeTransformer):
    """A `while` test reading `base.attr` reads its state name instead."""

    def __init__(self, temps: dict[tuple[str, str], str]) -> None:
        self.temps = temps

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load):
            t = self.temps.get((node.value.id, node.attr))
            if t is not None:
                return ast.copy_location(_name(t), node)
        return self.generic_visit(node)


# --------------------------------------------------------------------------------------
# Pass 1 and 2: returns
# --------------------------------------------------------------------------------------


def _definitely_returns(stmts: Sequence[ast.stmt]) -> bool:
    for s in stmts:
        if isinstance(s, ast.Return):
            return True
        if isinstance(s, ast.If) and _definitely_returns(s.body) and _definitely_returns(s.orelse):
            return True
    return False


def _conditional_returns(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """Pass 1 (TF's ConditionalReturnRewriter)."""
    out: list[ast.stmt] = []
    for i, s in enumerate(stmts):
        if isinstance(s, ast.If):
            s.body = _conditional_returns(s.body)
            s.orelse = _conditional_returns(s.orelse)
            rest = stmts[i + 1 :]
            if rest and _definitely_returns(s.body) and not _definitely_returns(s.orelse):
                s.orelse = _conditional_returns([*s.orelse, *rest])
                out.append(s)
                return out
            if rest and _definitely_returns(s.orelse) and not _definitely_returns(s.body):
                s.body = _conditional_returns([*s.body, *rest])
                out.append(s)
                return out
        elif isinstance(s, (ast.While, ast.For, ast.With, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                if hasattr(s, field):
                    setattr(s, field, _conditional_returns(getattr(s, field)))
        out.append(s)
    return out


def _contains(stmts: Iterable[ast.AST], kinds: tuple[type, ...], loops: bool) -> bool:
    """Whether a `kinds` node occurs in `stmts` (not in nested scopes; not inside nested
    loops unless `loops`)."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, kinds):
            return True
        if isinstance(n, (*_SCOPES, *_COMPREHENSIONS)):
            continue
        if not loops and isinstance(n, (ast.While, ast.For)):
            todo.extend(n.orelse)
            continue
        todo.extend(ast.iter_child_nodes(n))
    return False


class _Counter:
    def __init__(self) -> None:
        self.display: dict[str, str] = {}  # state name -> the name TF's messages use
        self._it = itertools.count()

    def next(self, base: str) -> str:
        n = next(self._it)
        return base if n == 0 else f"{base}_{n}"


def _guarded(stmts: list[ast.stmt], flag: str, sets_flag: type[ast.AST]) -> list[ast.stmt]:
    """Statements after one that may set `flag` run under `if not flag:`."""
    for i, s in enumerate(stmts):
        if _contains([s], (sets_flag,), loops=sets_flag is ast.Return) and i + 1 < len(stmts):
            rest = stmts[i + 1 :]
            guard = ast.If(test=_not(_name(flag)), body=rest, orelse=[])
            _located([guard], rest[0])
            return [*stmts[: i + 1], guard]
    return stmts


class _ReturnRewriter(ast.NodeTransformer):
    """Pass 2 for one function body."""

    def __init__(self) -> None:
        self.do_return = "do_return"
        self.retval = "retval_"

    def rewrite(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        body = fn.body
        nested = [s for s in body if _contains([s], (ast.Return,), loops=True)]
        if not any(not isinstance(s, ast.Return) for s in nested):
            return  # returns only at the top level: nothing to rewrite
        docstring: list[ast.stmt] = []
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            docstring, body = body[:1], body[1:]
        body = self._block(body)
        init = [
            _assign(self.do_return, _const(False)),
            _assign(self.retval, _call(_ag("UndefinedReturnValue"), [])),
        ]
        final = ast.Return(value=_call(_ag("retval"), [_name(self.retval)]))
        _located(init, fn)
        _located([final], body[-1] if body else fn)
        fn.body = [*docstring, *init, *body, final]

    def _block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out = [self._stmt(s) for s in stmts]
        flat: list[ast.stmt] = []
        for s in out:
            flat.extend(s if isinstance(s, list) else [s])
        return _guarded_flags(flat, self.do_return)

    def _stmt(self, s: ast.stmt) -> ast.stmt | list[ast.stmt]:
        if isinstance(s, ast.Return):
            value = s.value if s.value is not None else _const(None)
            new: list[ast.stmt] = [
                _assign(self.do_return, _const(True)),
                _assign(self.retval, value),
            ]
            _located(new, s)
            _note(new[-1], "_ag_sets", {self.do_return})
            return new
        if isinstance(s, (ast.If, ast.With, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                if hasattr(s, field):
                    setattr(s, field, self._block(getattr(s, field)))
            if isinstance(s, ast.Try):
                for h in s.handlers:
                    h.body = self._block(h.body)
            if _contains([s], (ast.Return,), loops=True) or _sets(s, self.do_return):
                _note(s, "_ag_sets", {self.do_return})
            return s
        if isinstance(s, (ast.While, ast.For)):
            returns = _contains(s.body, (ast.Return,), loops=True)
            s.body = self._block(s.body)
            s.orelse = self._block(s.orelse)
            if returns:
                _add_extra_test(s, self.do_return)
                _note(s, "_ag_sets", {self.do_return})
            return s
        return s


def _sets(s: ast.AST, flag: str) -> bool:
    return any(flag in getattr(n, "_ag_sets", ()) for n in ast.walk(s))


def _guarded_flags(stmts: list[ast.stmt], flag: str) -> list[ast.stmt]:
    for i, s in enumerate(stmts):
        if flag in getattr(s, "_ag_sets", ()) and i + 1 < len(stmts):
            rest = _guarded_flags(stmts[i + 1 :], flag)
            guard = ast.If(test=_not(_name(flag)), body=rest, orelse=[])
            _located([guard], rest[0])
            return [*stmts[: i + 1], guard]
    return stmts


def _add_extra_test(loop: ast.While | ast.For, flag: str) -> None:
    tests: list[str] = getattr(loop, "_ag_extra", [])
    if flag not in tests:
        tests.append(flag)
    _note(loop, "_ag_extra", tests)


# --------------------------------------------------------------------------------------
# Pass 3: break and continue
# --------------------------------------------------------------------------------------


class _BreakContinue:
    def __init__(self, counter: _Counter) -> None:
        self.counter = counter

    def block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in stmts:
            out.extend(self.stmt(s))
        return out

    def stmt(self, s: ast.stmt) -> list[ast.stmt]:
        if isinstance(s, (ast.While, ast.For)):
            s.body = self.block(s.body)
            s.orelse = self.block(s.orelse)
            return self.loop(s)
        for field in ("body", "orelse", "finalbody"):
            if hasattr(s, field) and isinstance(getattr(s, field), list):
                setattr(s, field, self.block(getattr(s, field)))
        if isinstance(s, ast.Try):
            for h in s.handlers:
                h.body = self.block(h.body)
        return [s]

    def loop(self, loop: ast.While | ast.For) -> list[ast.stmt]:
        before: list[ast.stmt] = []
        after: list[ast.stmt] = []
        if _contains(loop.body, (ast.Continue,), loops=False):
            flag = self.counter.next("continue_")
            loop.body = _replace_jump(loop.body, ast.Continue, flag)
            loop.body = [_assign(flag, _const(False)), *_guarded_flags(loop.body, flag)]
            _located(loop.body[:1], loop)
        if _contains(loop.body, (ast.Break,), loops=False):
            flag = self.counter.next("break_")
            loop.body = _replace_jump(loop.body, ast.Break, flag)
            loop.body = _guarded_flags(loop.body, flag)
            _add_extra_test(loop, flag)
            before.append(_assign(flag, _const(False)))
            if loop.orelse:
                after.append(ast.If(test=_not(_name(flag)), body=loop.orelse, orelse=[]))
                loop.orelse = []
            _located(before + after, loop)
        if loop.orelse:
            after.extend(loop.orelse)
            loop.orelse = []
        return [*before, loop, *after]


def _replace_jump(stmts: list[ast.stmt], kind: type[ast.stmt], flag: str) -> list[ast.stmt]:
    """`break`/`continue` (of this loop) -> `flag = True`, marking the enclosing statements."""
    out: list[ast.stmt] = []
    for s in stmts:
        if isinstance(s, kind):
            new = _assign(flag, _const(True))
            _located([new], s)
            _note(new, "_ag_sets", {flag})
            out.append(new)
            continue
        if isinstance(s, (ast.While, ast.For, *_SCOPES)):
            out.append(s)
            continue
        changed = False
        for field in ("body", "orelse", "finalbody"):
            if hasattr(s, field) and isinstance(getattr(s, field), list):
                block = getattr(s, field)
                if _contains(block, (kind,), loops=False):
                    setattr(s, field, _guarded_flags(_replace_jump(block, kind, flag), flag))
                    changed = True
        if isinstance(s, ast.Try):
            for h in s.handlers:
                if _contains(h.body, (kind,), loops=False):
                    h.body = _guarded_flags(_replace_jump(h.body, kind, flag), flag)
                    changed = True
        if changed:
            sets = set(getattr(s, "_ag_sets", ()))
            sets.add(flag)
            _note(s, "_ag_sets", sets)
        out.append(s)
    return out


# --------------------------------------------------------------------------------------
# Pass 4: liveness
# --------------------------------------------------------------------------------------


def _live_block(stmts: Sequence[ast.stmt], live_out: set[str]) -> set[str]:
    live = set(live_out)
    for s in reversed(stmts):
        live = _live_stmt(s, live)
    return live


def _live_stmt(s: ast.stmt, live_out: set[str]) -> set[str]:
    if isinstance(s, ast.If):
        _note(s, "_ag_live_out", set(live_out))
        return _loaded([s.test]) | _live_block(s.body, live_out) | _live_block(s.orelse, live_out)
    if isinstance(s, (ast.While, ast.For)):
        _note(s, "_ag_live_out", set(live_out))
        extra = set(getattr(s, "_ag_extra", []))
        test_loads = _loaded([s.test]) if isinstance(s, ast.While) else set()
        head = set(live_out) | test_loads | extra
        for _ in range(len(_assigned(s.body)) + 2):
            body_in = _live_block(s.body, head)
            if isinstance(s, ast.For):
                body_in = (body_in - _assigned([s.target])) | _loaded([s.target])
            new_head = head | body_in
            if new_head == head:
                break
            head = new_head
        _note(s, "_ag_live_head", set(head))
        out = _live_block(s.orelse, live_out) | head
        if isinstance(s, ast.For):
            out |= _loaded([s.iter])
        return out
    if isinstance(s, (ast.With, ast.Try)):
        live = set(live_out)
        blocks = [getattr(s, f, []) for f in ("finalbody", "orelse", "body")]
        if isinstance(s, ast.Try):
            blocks += [h.body for h in s.handlers]
        result = set(live_out)
        for b in blocks:
            result |= _live_block(b, live)
        if isinstance(s, ast.With):
            result |= _loaded([i.context_expr for i in s.items])
        return result
    if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return (live_out - {s.name}) | _loaded([s])
    if isinstance(s, ast.AugAssign):
        return live_out | _loaded([s])
    return (live_out - _assigned([s])) | _loaded([s])


# --------------------------------------------------------------------------------------
# Pass 5: control flow and expressions
# --------------------------------------------------------------------------------------


class _ControlFlow(ast.NodeTransformer):
    """Converts one function body; `defined` holds the names possibly bound so far."""

    def __init__(self, counter: _Counter, globals_: set[str], nonlocals: set[str]) -> None:
        self.counter = counter
        # Names declared `global` are not state (a block function declares them global);
        # `nonlocal` names are state like locals (the statement's result is assigned to
        # them in the function that declares them nonlocal).
        self.globals = globals_
        self.nonlocals = nonlocals

    # -- blocks ----------------------------------------------------------------------
    def block(self, stmts: list[ast.stmt], defined: set[str]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for s in stmts:
            if isinstance(s, ast.If):
                out.extend(self.if_(s, defined))
            elif isinstance(s, ast.While):
                out.extend(self.while_(s, defined))
            elif isinstance(s, ast.For):
                out.extend(self.for_(s, defined))
            elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
                convert_nested(s, self.counter)
                out.append(s)
            elif isinstance(s, (ast.With, ast.Try)):
                for field in ("body", "orelse", "finalbody"):
                    if hasattr(s, field):
                        setattr(s, field, self.block(getattr(s, field), set(defined)))
                if isinstance(s, ast.Try):
                    for h in s.handlers:
                        h.body = self.block(h.body, set(defined) | ({h.name} if h.name else set()))
                    for h in s.handlers:
                        if h.type is not None:
                            h.type = self.visit(h.type)
                else:
                    for item in s.items:
                        item.context_expr = self.visit(item.context_expr)
                out.append(s)
            elif isinstance(s, ast.ClassDef):
                out.append(s)  # class bodies keep Python semantics
            else:
                out.append(self.visit(s))
            defined |= _assigned([s])
        return out

    def _state(
        self, node: ast.stmt, modified: set[str], defined: set[str], live: set[str]
    ) -> tuple[list[str], list[str], list[ast.stmt]]:
        modified = {m for m in modified if m not in self.globals}
        state = sorted(modified & live)
        extra = sorted((modified & defined) - set(state))
        init: list[ast.stmt] = [
            _assign(n, _call(_ag("Undefined"), [_const(n)])) for n in state if n not in defined
        ]
        _located(init, node)
        return state, extra, init

    def _globals_decl(self, modified: set[str]) -> list[ast.stmt]:
        g = sorted(modified & self.globals)
        return [ast.Global(names=g)] if g else []

    # -- if ----------------------------------------------------------------------------
    def if_(self, node: ast.If, defined: set[str]) -> list[ast.stmt]:
        modified = _assigned(node.body) | _assigned(node.orelse)
        live: set[str] = getattr(node, "_ag_live_out", modified)
        state, extra, init = self._state(node, modified, defined, live)
        params = state + extra
        inner_defined = set(defined) | set(state)
        body_name = self.counter.next("if_body")
        else_name = self.counter.next("else_body")
        ret = ast.Return(value=_names_tuple(state))
        body = self.block(node.body, set(inner_defined))
        orelse = self.block(node.orelse, set(inner_defined))
        decl = self._globals_decl(modified)
        fbody = _fundef(body_name, params, [*decl, *body, copy.deepcopy(ret)])
        felse = _fundef(else_name, params, [*decl, *orelse, copy.deepcopy(ret)])
        call = _call(
            _ag("if_stmt"),
            [
                self.visit(node.test),
                _name(body_name),
                _name(else_name),
                _names_tuple(state),
                _names_tuple(extra),
                _tuple([_const(self.counter.display.get(n, n)) for n in state]),
            ],
        )
        stmt: ast.stmt
        if state:
            stmt = ast.Assign(targets=[_names_tuple(state, store=True)], value=call)
        else:
            stmt = ast.Expr(value=call)
        new = [*init, fbody, felse, stmt]
        _located(new, node)
        _located([ret], node)
        return new

    # -- loops -------------------------------------------------------------------------
    def _loop_state(
        self, node: ast.While | ast.For, defined: set[str]
    ) -> tuple[list[str], list[str], list[ast.stmt]]:
        modified = _assigned(node.body)
        if isinstance(node, ast.For):
            modified |= _assigned([node.target])
        live = set(getattr(node, "_ag_live_out", modified)) | set(
            getattr(node, "_ag_live_head", set())
        )
        return self._state(node, modified, defined, live)

    def _extra_test(self, node: ast.While | ast.For) -> ast.expr | None:
        flags: list[str] = getattr(node, "_ag_extra", [])
        expr: ast.expr | None = None
        for f in flags:
            term = _not(_name(f))
            expr = term if expr is None else _call(_ag("and_"), [_lambda(expr), _lambda(term)])
        return expr

    def while_(self, node: ast.While, defined: set[str]) -> list[ast.stmt]:
        state, extra, init = self._loop_state(node, defined)
        params = state + extra
        inner_defined = set(defined) | set(state)
        test = self.visit(node.test)
        extra_test = self._extra_test(node)
        if extra_test is not None:
            test = _call(_ag("and_"), [_lambda(extra_test), _lambda(test)])
        test_name = self.counter.next("loop_test")
        body_name = self.counter.next("loop_body")
        ftest = _fundef(test_name, params, [ast.Return(value=test)])
        body = self.block(node.body, set(inner_defined))
        decl = self._globals_decl(_assigned(node.body))
        fbody = _fundef(body_name, params, [*decl, *body, ast.Return(value=_names_tuple(state))])
        call = _call(
            _ag("while_stmt"),
            [
                _name(test_name),
                _name(body_name),
                _names_tuple(state),
                _names_tuple(extra),
                _tuple([_const(self.counter.display.get(n, n)) for n in state]),
            ],
        )
        stmt: ast.stmt
        if state:
            stmt = ast.Assign(targets=[_names_tuple(state, store=True)], value=call)
        else:
            stmt = ast.Expr(value=call)
        new = [*init, ftest, fbody, stmt]
        _located(new, node)
        return new

    def for_(self, node: ast.For, defined: set[str]) -> list[ast.stmt]:
        state, extra, init = self._loop_state(node, defined)
        params = state + extra
        inner_defined = set(defined) | set(state) | _assigned([node.target])
        itr = self.counter.next("itr")
        body_name = self.counter.next("loop_body")
        test_name = self.counter.next("extra_test")
        target_assign = ast.Assign(targets=[node.target], value=_name(itr))
        _located([target_assign], node.target)
        body = self.block(node.body, set(inner_defined))
        decl = self._globals_decl(_assigned(node.body) | _assigned([node.target]))
        fbody = _fundef(
            body_name,
            [itr, *params],
            [*decl, target_assign, *body, ast.Return(value=_names_tuple(state))],
        )
        new: list[ast.stmt] = [*init]
        extra_test = self._extra_test(node)
        if extra_test is not None:
            new.append(_fundef(test_name, params, [ast.Return(value=extra_test)]))
            test_ref: ast.expr = _name(test_name)
        else:
            test_ref = _const(None)
        it = node.iter
        if isinstance(it, ast.Call) and not _is_super(it):
            iter_expr: ast.expr = _call(
                _ag("for_iterable"), [self.visit(it.func), *self._call_args(it)]
            )
        else:
            iter_expr = self.visit(it)
        call = _call(
            _ag("for_stmt"),
            [
                iter_expr,
                test_ref,
                _name(body_name),
                _names_tuple(state),
                _names_tuple(extra),
                _tuple([_const(self.counter.display.get(n, n)) for n in state]),
            ],
        )
        new.append(fbody)
        stmt: ast.stmt
        if state:
            stmt = ast.Assign(targets=[_names_tuple(state, store=True)], value=call)
        else:
            stmt = ast.Expr(value=call)
        new.append(stmt)
        _located(new, node)
        return new

    # -- expressions -------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        return node  # nested definitions are converted by `block`

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        values = node.values
        expr = values[-1]
        for v in reversed(values[:-1]):
            expr = _call(_ag(fn), [_lambda(v), _lambda(expr)])
        _located([expr], node)
        return expr

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            new = _not(node.operand)
            _located([new], node)
            return new
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        new = _call(_ag("if_exp"), [node.test, _lambda(node.body), _lambda(node.orelse)])
        _located([new], node)
        return new

    def _call_args(self, node: ast.Call) -> list[ast.expr]:
        args: list[ast.expr] = [self.visit(a) for a in node.args]
        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        for kw in node.keywords:
            keys.append(None if kw.arg is None else _const(kw.arg))
            values.append(self.visit(kw.value))
        return [_tuple(args), ast.Dict(keys=keys, values=values)]

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if (
            _is_super(node)
            or (isinstance(node.func, ast.Name) and node.func.id in _KEEP_CALLS)
            or _is_ag(node.func)
        ):
            self.generic_visit(node)
            return node
        new = _call(_ag("converted_call"), [self.visit(node.func), *self._call_args(node)])
        _located([new], node)
        return new


# Calls left as they are: `print` (TF converts it only with an optional feature, so it
# prints at trace time), and the frame-inspecting builtins.
_KEEP_CALLS = frozenset({"print", "super", "locals", "globals", "vars", "eval", "exec", "dir"})


def _is_ag(func: ast.expr) -> bool:
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == _AG
    )


def _is_super(node: ast.Call) -> bool:
    return isinstance(node.func, ast.Name) and node.func.id == "super"


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    a = fn.args
    names = {x.arg for x in [*a.posonlyargs, *a.args, *a.kwonlyargs]}
    if a.vararg:
        names.add(a.vararg.arg)
    if a.kwarg:
        names.add(a.kwarg.arg)
    return names


def _declared(fn: ast.AST, kind: type[ast.Global] | type[ast.Nonlocal]) -> set[str]:
    out: set[str] = set()
    for n in _walk_scope(fn):
        if isinstance(n, kind):
            out.update(n.names)
    return out


def convert_nested(fn: ast.FunctionDef | ast.AsyncFunctionDef, counter: _Counter) -> None:
    """Run the passes on one function definition in place."""
    if isinstance(fn, ast.AsyncFunctionDef) or _is_generator(fn):
        return  # generators and coroutines keep Python semantics
    fn.body = _AttributeState(counter).block(fn.body)
    fn.body = _conditional_returns(fn.body)
    _ReturnRewriter().rewrite(fn)
    fn.body = _BreakContinue(counter).block(fn.body)
    _live_block(fn.body, set())
    nonlocals = _declared(fn, ast.Nonlocal)
    cf = _ControlFlow(counter, _declared(fn, ast.Global), nonlocals)
    fn.args.defaults = [cf.visit(d) for d in fn.args.defaults]
    fn.args.kw_defaults = [None if d is None else cf.visit(d) for d in fn.args.kw_defaults]
    fn.body = cf.block(fn.body, _params(fn) | nonlocals)
    fn.decorator_list = [cf.visit(d) for d in fn.decorator_list]
    fn.decorator_list.append(_ag("autograph_artifact"))


def _is_generator(fn: ast.AST) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in _walk_scope(fn))


def convert_function_def(fn: ast.FunctionDef) -> ast.FunctionDef:
    """The converted form of a top-level function definition (decorators removed)."""
    if _is_generator(fn):
        raise ConversionError("generators are not converted")
    fn.decorator_list = []
    fn.returns = None
    for a in [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]:
        a.annotation = None
    if fn.args.vararg:
        fn.args.vararg.annotation = None
    if fn.args.kwarg:
        fn.args.kwarg.annotation = None
    convert_nested(fn, _Counter())
    fn.decorator_list = []
    # The converted function takes the original's default values (`__defaults__`): the
    # expressions are not evaluated again (they may name the enclosing scope's locals).
    fn.args.defaults = [_const(None) for _ in fn.args.defaults]
    fn.args.kw_defaults = [None if d is None else _const(None) for d in fn.args.kw_defaults]
    ast.fix_missing_locations(fn)
    return fn
