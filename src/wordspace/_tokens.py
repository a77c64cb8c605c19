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
  splits into rounds in one way only, and failing cannot try exponentially many splits;
* two variable-length parts that can share characters with nothing between them that
  pins where one stops (``a*a*``, ``\\w+\\w*``, ``.*a.*``): each such pair multiplies the
  time by the text's length;
* anything that can match (or look at) whitespace: tokens never span it, and long lines
  are cut there.

What is left backtracks at most about quadratically in the text it sees, so
:class:`PatternTokenizer` runs it on pieces of at most :data:`PIECE_CHARS` characters,
cut at whitespace where it can: time is linear in the text's length whatever it holds.
Character classes are compared on a probe of about 600 characters (Latin, Greek,
Cyrillic samples, CJK, spaces), so the check is a strong filter, not a proof.
"""

from __future__ import annotations

import functools
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


def shorten(token, limit: int = 50) -> str:
    """``repr(token)``, or for a long token its start, an ellipsis and its length, so a
    message stays readable whatever the input holds (any value: a string is cut before
    it is quoted, anything else after)."""
    if not isinstance(token, str):
        text = repr(token)
        return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"
    if len(token) <= limit:
        return repr(token)
    return f"{token[:limit]!r}... ({len(token):,} characters)"


def compile_token_pattern(pattern: str) -> re.Pattern:
    """Compile ``pattern`` if it is safe to run on any text (see the module docstring);
    raise :class:`UnsafePatternError` naming the problem otherwise."""
    if not isinstance(pattern, str):
        raise UnsafePatternError(f"token_pattern must be a string, got "
                                 f"{type(pattern).__name__}")
    return _compile_checked(pattern)


#: a text on which a pattern that can match the empty string in context shows it
_EMPTY_PROBE = "Ab cd, ef-gh 12.5 (ij) 'kl' mn\u00e9."


@functools.lru_cache(maxsize=64)  # inference checks a model's pattern on every call
def _compile_checked(pattern: str) -> re.Pattern:
    try:
        compiled = re.compile(pattern)
        tree = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as e:
        raise UnsafePatternError(f"token_pattern {shorten(pattern)} is not a valid regex: "
                                 f"{e}") from None
    problem = _problem(tree.data, tree.state)
    if not problem and _chars_in(tree.data, tree.state) & _WHITESPACE:
        # a token never spans whitespace: the reader cuts long lines there to bound memory
        raise UnsafePatternError(
            f"token_pattern {shorten(pattern)} can match whitespace; wordspace's tokens "
            "never hold or look across whitespace (long lines are cut there), so write "
            "it without (e.g. r'\\w+' or r'[^\\s]+' rather than '.' or ' ')")
    if problem:
        raise UnsafePatternError(
            f"token_pattern {shorten(pattern)} {problem}, which can take exponential (or "
            "high-polynomial) time on some texts; write it without that (e.g. r'\\w+', or "
            "r'\\w+(?:-\\w+)*' where each repeated round starts with a separator)")
    # said now, not at the first empty token of a corpus: an empty match anywhere, or
    # in the context of a short text of words, digits and punctuation (r"\b\w*")
    if compiled.fullmatch("") or any(m.start() == m.end()
                                     for m in compiled.finditer(_EMPTY_PROBE)):
        raise UnsafePatternError(
            f"token_pattern {shorten(pattern)} matches the empty string, so it would find "
            "an empty token between any two characters; tokens are never empty: write it "
            "to match one character at least (+ rather than *, e.g. r'\\w+')")
    return compiled


class PatternTokenizer:
    """The matches of a checked ``pattern`` in a text, found piece by piece.

    A text longer than ``piece`` characters is cut into pieces at whitespace, or, in a
    stretch without any, at ``piece`` characters; a match that reaches such a hard cut is
    tried again from its start in the next piece, so no match shorter than ``piece`` is
    ever cut. A longer one (``piece`` is meant to exceed the longest wanted token) is
    left out whole and counted in :attr:`skipped`. The time one call takes is bounded by
    the text's length times a function of ``piece``, whatever the text holds.

    :meth:`split` also serves a text that arrives in parts (a file read block by block).
    """

    def __init__(self, pattern: str, piece: int = PIECE_CHARS):
        self.regex = compile_token_pattern(pattern)
        self.piece = piece
        self.skipped = 0  # matches left out for reaching ``piece`` characters
        self.example = ""  # the start of the first

    def __call__(self, text: str) -> list[str]:
        return self.split(text)[0]

    def split(self, text: str, final: bool = True, continuing: bool = False
              ) -> tuple[list, int, bool]:
        """``(tokens, consumed, continuing)`` of ``text``. Unless ``final``, the text goes
        on in a later call: a match that reaches its end is held back (the caller passes
        ``text[consumed:]`` again, before what follows). ``continuing`` says the text
        starts inside an overlong match, whose rest is left out; the returned flag says
        the next part does."""
        if not text:  # nothing new: an overlong match may still go on
            return [], 0, continuing and not final
        if final and not continuing and len(text) <= self.piece:
            return self.regex.findall(text), len(text), False
        tokens: list = []
        start, n, size = 0, len(text), self.piece
        if not final:  # hold back the text after the last whitespace, as a token may go on
            cut = _last_space(text, 0, n)
            if n - cut - 1 < size and (cut >= 0 or not continuing):
                tokens, _, _ = self.split(text[:cut + 1], True, continuing)
                return tokens, cut + 1, False
        while True:
            end = min(start + size, n)
            hard = not final if end == n else True
            if end < n:
                cut = _last_space(text, start, end)
                if cut >= start:
                    end, hard = cut + 1, False
            piece = text[start:end]
            if not hard and not continuing:  # no match can go on past this piece
                tokens.extend(self.regex.findall(piece))
                if end == n:
                    return tokens, n, False
                start = end
                continue
            matches = list(self.regex.finditer(piece))
            if continuing and matches and matches[0].start() == 0:
                rest = matches.pop(0)  # the end of an overlong match cut before
                if hard and rest.end() == len(piece):
                    if end == n:
                        return tokens, n, True
                    start = end
                    continue
            continuing = False
            held = None
            if hard and matches and matches[-1].end() == len(piece):
                last = matches.pop()
                if last.start() > 0 or len(piece) < size:
                    held = start + last.start()  # it may go on past the cut: again
                else:  # a match of a whole piece: too long to be a token
                    self.skipped += 1
                    self.example = self.example or last.group()[:60]
                    continuing = True
            tokens.extend(_found(m) for m in matches)
            if held is not None:
                if end == n:
                    return tokens, held, False
                start = held  # > start: the loop goes on
                continue
            if end == n:
                return tokens, n, continuing
            start = end


def _last_space(text: str, start: int, end: int) -> int:
    """Index of the last space, tab or line break in ``text[start:end]``, or -1."""
    return max(text.rfind(" ", start, end), text.rfind("\n", start, end),
               text.rfind("\t", start, end), text.rfind("\r", start, end))


def _found(match: re.Match):
    """What ``findall`` gives for a match: the text, its one group, or its groups."""
    groups = match.re.groups
    return match.group() if groups == 0 else match.group(1) if groups == 1 else match.groups()


def make_pattern_tokenizer(pattern: str) -> Callable[[str], list[str]]:
    """``findall`` of a checked ``pattern`` that takes bounded time on any text (see
    :class:`PatternTokenizer`)."""
    return PatternTokenizer(pattern)


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
    return _sequence_problem(items, state)


# Polynomial blow-up: in ``a*a*a*$`` each start tries every way of sharing a run of a's
# among the three parts (n**2 ways, n**3 over all starts). A part whose length can vary
# must stop where the next variable part starts: the next part's first character must
# be one the earlier part cannot match, or a mandatory character it cannot match must
# come between them.
_PROBE = [chr(c) for c in range(0x250)] + list("\u00a0\u2003\u3000\u4e00\u0416\uff01")
_WHITESPACE = frozenset(c for c in _PROBE if c.isspace())


def _sequence_problem(items, state) -> str | None:
    """Why the sequence ``items`` may take high-polynomial time, or None."""
    open_parts: list[frozenset] = []  # what earlier variable parts, not yet pinned, match
    for op, arg in _inline(items):
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue  # zero width
        chars = _chars_in([(op, arg)], state)
        if op in _LEAF or (op in _REPEATS and arg[0] == arg[1] and len(arg[2]) == 1
                           and arg[2][0][0] in _LEAF):
            # a mandatory character (or a fixed number): it pins the parts it cannot match
            open_parts = [p for p in open_parts if p & chars]
            continue
        first = _first([(op, arg)], state)
        if any(first & p for p in open_parts):
            return ("has two variable-length parts that can share the same characters "
                    "(as a*a*, \\w+\\w* or .*a.*)")
        if not _nullable([(op, arg)]):
            open_parts = []
        open_parts.append(chars)
    return None


def _inline(items):
    """``items`` with plain groups opened (a group that scopes flags stays whole)."""
    for op, arg in items:
        if op == _sre.SUBPATTERN and not (arg[1] or arg[2]):
            yield from _inline(arg[3])
        else:
            yield op, arg


def _leaf_chars(leaf, state) -> frozenset:
    """The probe characters one single-character matcher matches."""
    matcher = _sre_compile.compile(_sre_parse.SubPattern(state, [leaf]), state.flags)
    return frozenset(c for c in _PROBE if matcher.fullmatch(c))


def _chars_in(items, state) -> frozenset:
    """Every probe character some matcher in ``items`` matches."""
    out: frozenset = frozenset()
    for op, arg in items:
        if op in _LEAF:
            out |= _leaf_chars((op, arg), state)
        for sub in _children(op, arg):
            out |= _chars_in(sub, state)
    return out


def _nullable(items) -> bool:
    """Whether ``items`` can match the empty string."""
    for op, arg in items:
        if op in _LEAF:
            return False
        if op in _REPEATS:
            if arg[0] > 0 and not _nullable(arg[2]):
                return False
        elif op == _sre.BRANCH:
            if not any(_nullable(alt) for alt in arg[1]):
                return False
        elif op in (_sre.SUBPATTERN, getattr(_sre, "ATOMIC_GROUP", None)) \
                and not _nullable(_children(op, arg)[0]):
            return False
    return True


def _first(items, state) -> frozenset:
    """The probe characters a match of ``items`` can start with."""
    out: frozenset = frozenset()
    for op, arg in items:
        if op in _LEAF:
            return out | _leaf_chars((op, arg), state)
        if op == _sre.BRANCH:
            out |= frozenset().union(*(_first(alt, state) for alt in arg[1]))
        else:
            for sub in _children(op, arg):
                if op not in (_sre.ASSERT, _sre.ASSERT_NOT):
                    out |= _first(sub, state)
        if not _nullable([(op, arg)]):
            return out
    return out


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
            inner = None if arg[1] or arg[2] else _flatten(arg[3])  # (?i:...) scopes flags
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
