"""Progress bars (tqdm) with wordspace's settings."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress_bar(total: float | None, unit: str, desc: str, enable: bool = True,
                 **kwargs) -> tqdm:
    """A tqdm bar on stderr with SI-scaled rates, or a silent one when ``enable`` is false."""
    return tqdm(total=total, unit=unit, unit_scale=True, desc=desc, disable=not enable,
                file=sys.stderr, dynamic_ncols=True, mininterval=0.5, smoothing=0.1,
                leave=True, **kwargs)
