"""Checks of the pure-Python functions' own arguments (the native module
checks the rest)."""

from __future__ import annotations

import math
from typing import Any, Optional

from ._errors import InvalidArgumentError

__all__ = ["seconds"]


def seconds(name: str, value: Any, *, none_ok: bool = False) -> Optional[float]:
    """A duration in seconds: an int or float from 0 up, ``inf`` for no
    bound; ``None`` only where ``none_ok``. Anything else (a str, a bool,
    a negative number, NaN) is InvalidArgumentError."""
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentError(f"{name} is a number of seconds (int or float), not {_shown(value)}")
    try:
        as_float = float(value)
    except OverflowError:  # an int beyond a float's range
        as_float = math.inf if value > 0 else -math.inf
    if math.isnan(as_float) or as_float < 0:
        raise InvalidArgumentError(f"{name} is a number of seconds from 0 up, not {_shown(value)}")
    return as_float


def _shown(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."
