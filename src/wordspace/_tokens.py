"""Token helpers: regular expressions that cannot take exponential time, and tokens
short enough to print in a message.

A ``token_pattern`` comes from the user, or from a saved model's configuration, and
runs on arbitrary text, so a pattern such as ``(a+)+$`` (which Python's backtracking
engine takes exponential time to fail on ``"aaaa...b"``) must be refused before it runs.
:func:`compile_token_pattern` accepts the patterns tokenisers use (``\\w+``,
``[a-z]+(?:'[a-z]+)?``, ``\\w+(?:[-']\\w+)*``, ``(?u)\\b\\w\\w+\\b``) and refuses:

* backreferences and conditionals (matching them is NP-hard);
* a repeat (``*``, ``+``, ``{m,n}`` with ``n > 1``) whose body holds another repeat or an
  alternation, unless every round of the outer repeat starts with a separator character
  that nothing else in its body can match (as ``-`` in ``(?:-\\w+)*``): then a text
  splits into rounds in one way only, and failing cannot try exponentially many splits.

What is left can still backtrack polynomially, so :func:`make_pattern_tokenizer` runs
it on pieces of at most :data:`PIECE_CHARS` characters, cut at whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Callable

try:  # the private parser moved in Python 3.11; both expose the same trees
    import re._compiler as _sre_compile
    import re._constants as _sre
    import re._parser as _sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_compile as _sre_compile
    import sre_constants as _sre
    import sre_parse as _sre_parse

#: the longest text one regex call sees (a long line is cut at whitespace into pieces)
PIECE_CHARS = 2_000

_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)} - {None}
_SEPARATOR_CHARS = 64  # a separator class larger than this is not checked char by char


class UnsafePatternError(ValueError):
    """A ``token_pattern`` is refused: invalid, or able to take exponential time."""


def shorten(token: str, limit: int = 50) -> str:
    """``repr(token)``, or for a long token its start, an ellipsis and its length, so a
    message stays readable whatever the input holds."""
    if len(token) <= limit:
        return repr(token)
    return f"{token[:limit]!r}... ({len(token):,} characters)"


def compile_token_pattern(pattern: str) -> re.Pattern:
    """Compile ``pattern`` if it is safe to run on any text (see the module docstring);
    raise :class:`UnsafePatternError` naming the problem otherwise."""
    if not isinstance(pattern, str):
        raise UnsafePatternError(f"token_pattern must be a string, got "
                                 f"{type(pattern).__name__}")
    try:
        compiled = re.compile(pattern)
        tree = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as e:
        raise UnsafePatternError(f"token_pattern {shorten(pattern)} is not a valid regex: "
                                 f"{e}") from None
    problem = _problem(tree.data, tree.state)
    if problem:
        raise UnsafePatternError(
            f"token_pattern {shorten(pattern)} {problem}, which can take exponential time "
            "on some texts; write it without that (e.g. r'\\w+', or r'\\w+(?:-\\w+)*' where "
            "each repeated round starts with a separator)")
    return compiled


def make_pattern_tokenizer(pattern: str) -> Callable[[str], list[str]]:
    """``findall`` of a checked ``pattern``, on pieces of at most :data:`PIECE_CHARS`
    characters (a match cannot span two pieces; pieces are cut at whitespace where the
    text has any)."""
    findall = compile_token_pattern(pattern).findall

    def tokenize(text: str) -> list[str]:
        if len(text) <= PIECE_CHARS:
            return findall(text)
        tokens: list[str] = []
        for piece in pieces(text):
            tokens.extend(findall(piece))
        return tokens

    return tokenize


def pieces(text: str, size: int = PIECE_CHARS) -> list[str]:
    """``text`` cut into pieces of at most ``size`` characters, each ending just after
    whitespace where the stretch has any."""
    out, start = [], 0
    while len(text) - start > size:
        end = start + size
        cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end),
                  text.rfind("\t", start, end))
        end = cut + 1 if cut > start else end
        out.append(text[start:end])
        start = end
    out.append(text[start:])
    return out


# -- the structural check ------------------------------------------------------------------
_LEAF = (_sre.LITERAL, _sre.NOT_LITERAL, _sre.IN, _sre.ANY)


def _problem(items, state) -> str | None:
    """Why the parsed ``items`` may backtrack exponentially, or None."""
    for op, arg in items:
        if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS, getattr(_sre, "GROUPREF_IGNORE", None)):
            return "uses a backreference or a conditional group"
        if op in _REPEATS and arg[1] > 1:
            # Exponential time needs a repeated part that can match one text in several
            # ways, or a text that splits into rounds in several ways: refuse both.
            body = _flatten(arg[2])
            if body is None:
                return ("repeats a part that holds an alternation, a nested repeat of a "
                        "group, or a lookaround")
            variable = [a for o, a in body if o in _REPEATS and a[0] != a[1]]
            if len(variable) > 1:
                return "repeats a part that holds more than one variable-length repeat"
            if variable and not _separated(body, state):
                return ("repeats a variable-length part whose rounds do not start with a "
                        "separator character that nothing else in the part matches")
            continue  # a flat body holds nothing further to check
        for sub in _children(op, arg):
            problem = _problem(sub, state)
            if problem:
                return problem
    return None


def _children(op, arg) -> list:
    """The sub-patterns of one node."""
    if op in _REPEATS:
        return [arg[2]]
    if op == _sre.SUBPATTERN:
        return [arg[3]]
    if op == _sre.BRANCH:
        return list(arg[1])
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [arg[1]]
    if op == getattr(_sre, "ATOMIC_GROUP", None):
        return [arg]
    return []


def _flatten(items) -> list | None:
    """``items`` as a flat list of single-character matchers, anchors and repeats of one
    single-character matcher (groups opened), or None if it holds anything else."""
    flat = []
    for op, arg in items:
        if op == _sre.SUBPATTERN:
            inner = _flatten(arg[3])
            if inner is None:
                return None
            flat.extend(inner)
        elif op in _LEAF or op == _sre.AT or (
                op in _REPEATS and len(arg[2]) == 1 and arg[2][0][0] in _LEAF):
            flat.append((op, arg))
        else:
            return None
    return flat


def _separated(body, state) -> bool:
    """Whether the flat ``body`` starts with a separator (a literal, or a small class of
    literals) that no later character matcher in it can match."""
    while body and body[0][0] == _sre.AT:
        body = body[1:]
    if not body:
        return False
    op, arg = body[0]
    if op == _sre.LITERAL:
        chars = [chr(arg)]
    elif op == _sre.IN and all(o in (_sre.LITERAL, _sre.RANGE) for o, _ in arg):
        chars = []
        for o, a in arg:
            chars.extend([chr(a)] if o == _sre.LITERAL else map(chr, range(a[0], a[1] + 1)))
        if len(chars) > _SEPARATOR_CHARS:
            return False
    else:
        return False
    for o, a in body[1:]:
        if o == _sre.AT:
            continue
        leaf = a[2][0] if o in _REPEATS else (o, a)
        matcher = _sre_compile.compile(_sre_parse.SubPattern(state, [leaf]), state.flags)
        if any(matcher.fullmatch(c) for c in chars):
            return False
    return True
