"""Parameter checks run before any work starts, with messages that say what is allowed,
and the checks of loaded arrays they share."""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import numbers
from collections.abc import Callable

import numpy as np

#: values a scan of rows looks at at once (as many whole rows as fit): bounded scratch,
#: also for a memory map, whatever the rows' width
SCAN_VALUES = 1 << 20


def _rows_per_block(array: np.ndarray) -> int:
    """How many rows of ``array`` hold about :data:`SCAN_VALUES` values (at least one)."""
    width = int(np.prod(array.shape[1:], dtype=np.int64)) if array.ndim > 1 else 1
    return max(1, SCAN_VALUES // max(width, 1))


def is_number(text: str | bytes) -> bool:
    """Whether ``text`` (a field of a file, as read) is a number Python's ``float`` reads
    ("7.35", b"-1e3", "nan"): a score or a vector's value, not a word."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_int(name: str, value, minimum: int, maximum: int | None = None) -> None:
    """Raise ValueError unless ``value`` is an integer in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ValueError(f"{name} must be an integer {allowed}, got {value!r}")


def check_float(name: str, value, minimum: float, *, strict: bool = False,
                maximum: float | None = None) -> None:
    """Raise ValueError unless ``value`` is a finite number above ``minimum`` (up to
    ``maximum``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value != value:
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    low_ok = value > minimum if strict else value >= minimum
    if not low_ok or (maximum is not None and value > maximum):
        rel = ">" if strict else ">="
        allowed = f"{rel} {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
        raise ValueError(f"{name} must be {allowed}, got {value!r}")


#: float32's smallest normal number: the kernels compute in float32, where a learning
#: rate below it is 0 (or loses its precision) and so trains nothing
FLOAT32_TINY = float(np.finfo(np.float32).tiny)
FLOAT32_MAX = float(np.finfo(np.float32).max)


def check_rate(name: str, value) -> None:
    """Raise ValueError unless the learning rate ``value`` is a finite number that float32
    holds as a positive normal number (a smaller one is 0 to the kernels: the run would
    train nothing and seem to succeed)."""
    check_float(name, value, 0.0, strict=True)
    if value < FLOAT32_TINY:
        raise ValueError(f"{name}={value:g} is below float32's smallest normal number "
                         f"({FLOAT32_TINY:.3g}): training computes in float32, where this "
                         "rate is 0 and would train nothing")


def keywords_checked(init, unknown: Callable[[type, str, object, list[str]], str],
                     positional: Callable[[type], str] | None = None):
    """``init`` (a class's ``__init__``), refusing an unknown keyword argument with
    ``unknown(cls, name, value, known)``'s message (where it belongs, the closest names),
    and, given ``positional``, positional arguments where ``init`` takes none with
    ``positional(cls)``'s. An ``init`` taking ``**kwargs`` (a subclass passing them on),
    or one already checked, is returned as it is."""
    params = inspect.signature(init).parameters
    if hasattr(init, "__wrapped__") or any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return init
    known = [p for p in params if p != "self"]
    takes_positional = any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                           for name, p in params.items() if name != "self")

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        if args and positional is not None and not takes_positional:
            raise TypeError(positional(type(self)))
        wrong = [k for k in kwargs if k not in params or k == "self"]
        if wrong:
            raise TypeError("; ".join(unknown(type(self), k, kwargs[k], known)
                                      for k in wrong))
        init(self, *args, **kwargs)

    return __init__


def takes_fname(method=None, *, also: tuple[str, ...] = ()):
    """``method``, also taking gensim's ``fname=`` for its ``path`` argument (gensim's
    ``load``, ``save`` and word2vec-format calls name the file so), and the names
    ``also`` (``@takes_fname(also=("fname_or_handle",))``: gensim's ``save``'s)."""
    if method is None:
        return functools.partial(takes_fname, also=also)
    names = ("fname", *also)

    @functools.wraps(method)
    def call(*args, **kwargs):
        given = [name for name in names if name in kwargs]
        if given:
            if "path" in kwargs or len(given) > 1:
                both = " and ".join(["path"] * ("path" in kwargs) + given)
                raise TypeError(f"{method.__name__}() got both {both} (gensim's names for "
                                "it): give one")
            kwargs["path"] = kwargs.pop(given[0])
        return method(*args, **kwargs)

    return call


def did_you_mean(name: str, names) -> str:
    """``"; did you mean a or b?"`` naming the closest of ``names`` to the misspelt
    ``name`` (difflib's), or "" when none is close."""
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def gensim_hint(name: str, *tables: dict[str, str], tool: str = "gensim") -> str:
    """``" (NAME is gensim's: ...)"``, what wordspace has for gensim's ``name`` by the
    first of ``tables`` (gensim's name -> wordspace's way) that names it, or "": the end
    of the ``AttributeError`` a gensim user gets (``tool``: another library's user)."""
    for table in tables:
        if name in table:
            return f" ({name} is {tool}'s: {table[name]})"
    return ""


class ForeignName:
    """Another library's name (gensim's, gensim 3's, fastText's) wordspace has none of,
    with the wordspace way to what it did:
    reading it is the ``AttributeError`` a missing attribute raises, with that way added
    (:func:`gensim_hint`). Read from the class too, where gensim's classmethods are
    called (``FastText.load_fasttext_format``), which an instance's ``__getattr__`` never
    sees. ``tool``: the library whose name it is (fastText's ``get_word_vector``)."""

    def __init__(self, name: str, hint: str, tool: str = "gensim"):
        self.name, self.hint, self.tool = name, hint, tool

    def __get__(self, obj, owner=None):
        where = (f"type object {owner.__name__!r}" if obj is None
                 else f"{type(obj).__name__!r} object")
        raise AttributeError(f"{where} has no attribute {self.name!r}"
                             f"{gensim_hint(self.name, {self.name: self.hint}, tool=self.tool)}")

    @classmethod
    def install(cls, owner: type, table: dict[str, str], tool: str = "gensim") -> None:
        """Give ``owner`` a :class:`ForeignName` for each name of ``table`` (name: the
        wordspace way), ``tool``'s names."""
        for name, hint in table.items():
            setattr(owner, name, cls(name, hint, tool=tool))


def check_switch(model, name: str, absent: bool = False) -> bool:
    """The on/off setting ``name`` of ``model``, which must be True or False or gensim's
    spelling of them, 1 or 0 (``hs=1``, ``cbow_mean=0``): set to the bool and returned
    (``absent`` for a model without the setting); anything else is a ``TypeError``."""
    if not hasattr(model, name):
        return absent
    value = getattr(model, name)
    if not (isinstance(value, (bool, np.bool_)) or isinstance(value, numbers.Integral)
            and value in (0, 1)):
        raise TypeError(f"{name} must be True or False (or gensim's 1 or 0), got {value!r}")
    setattr(model, name, bool(value))
    return bool(value)


def check_choice(name: str, value, choices) -> None:
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}, got {value!r}")


def first_nonfinite_row(array: np.ndarray) -> int | None:
    """The first row (index along the first axis) of ``array`` that holds a NaN or an
    infinity, None when every value is finite; scanned a block of rows at a time
    (:data:`SCAN_VALUES`)."""
    if array.ndim == 0:
        return None if np.isfinite(array) else 0
    step = _rows_per_block(array)
    for start in range(0, len(array), step):
        finite = np.isfinite(array[start:start + step])
        if not finite.all():  # the block's bad row, not the block's start
            return start + int(np.argmin(finite.reshape(len(finite), -1).all(axis=1)))
    return None


def longest_row(matrix: np.ndarray) -> tuple[int, float]:
    """The row of ``matrix`` with the largest Euclidean norm, and that norm, or, before
    any, the first row holding a NaN or an infinity, with its norm (NaN or inf); ``(-1,
    0.0)`` for no rows. Norms are taken in float64, where float32's would overflow, a block
    of rows at a time (:data:`SCAN_VALUES`)."""
    step = _rows_per_block(matrix)  # about 8 MB of float64
    best, longest = -1, 0.0
    for start in range(0, len(matrix), step):
        block = np.asarray(matrix[start:start + step], np.float64)
        with np.errstate(over="ignore", invalid="ignore"):  # inf and NaN rows: found below
            norms = np.sqrt(np.einsum("ij,ij->i", block, block))
        bad = np.flatnonzero(~np.isfinite(norms))
        if len(bad):
            return start + int(bad[0]), float(norms[bad[0]])
        if len(norms) and norms.max() > longest:
            best, longest = start + int(norms.argmax()), float(norms.max())
    return best, longest
