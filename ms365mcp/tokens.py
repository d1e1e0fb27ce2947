"""Token cost of what the model reads, measured with the o200k_base tokenizer when it is installed."""

from __future__ import annotations

import functools
import json
from typing import Any


@functools.cache
def _encoding() -> Any:
    try:
        import quicktok
    except ImportError:
        return None
    return quicktok.get_encoding("o200k_base")


def exact() -> bool:
    """True when counts are exact o200k_base tokens rather than a bytes/4 estimate."""
    return _encoding() is not None


def count(text: str) -> int:
    encoding = _encoding()
    if encoding is None:
        return max(1, len(text.encode("utf-8")) // 4)
    return int(encoding.count(text))


def compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
