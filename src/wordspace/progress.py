"""Progress bars (tqdm) with wordspace's settings.

On a terminal the bar redraws itself in place. Anywhere else (a log file, CI, a batch
job's output; not a notebook, whose widget tqdm picks itself) redrawing would write
hundreds of carriage returns into one line, so each refresh becomes a line of its own,
at most every :data:`LINE_SECONDS` seconds, and the last one says where the run ended.
"""

from __future__ import annotations

import sys

from tqdm.auto import tqdm

#: seconds between progress lines when standard error is not a terminal
LINE_SECONDS = 10.0


class _Lines:
    """A stream that turns tqdm's in-place redraws into one line each."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        line = text.replace("\r", "").strip("\n")
        if line.strip():
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


def _redraws_in_place(stream) -> bool:
    """Whether the bar can redraw itself: a terminal, or a notebook's widget."""
    if tqdm.__module__.startswith("tqdm.notebook"):
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def progress_bar(total: float | None, unit: str, desc: str, enable: bool = True,
                 **kwargs) -> tqdm:
    """A tqdm bar on stderr with SI-scaled rates, or a silent one when ``enable`` is false;
    one line per refresh (every :data:`LINE_SECONDS`) when stderr is not a terminal."""
    stream = sys.stderr
    interval = 0.5
    if enable and not _redraws_in_place(stream):
        stream, interval = _Lines(stream), LINE_SECONDS
        kwargs.setdefault("ncols", 100)  # no terminal to measure
    return tqdm(total=total, unit=unit, unit_scale=True, desc=desc, disable=not enable,
                file=stream, dynamic_ncols=_redraws_in_place(sys.stderr),
                mininterval=interval, smoothing=0.1, leave=True, **kwargs)


def size_said(size: int) -> str:
    """A size in bytes as people read it (kB, MB or GB)."""
    scale, unit = next((s, u) for s, u in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB"))
                       if size >= s or u == "kB")
    return f"{size / scale:.1f} {unit}"
