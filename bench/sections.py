"""The bench sections and their sizes (full run vs --quick)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial


def _all(quick: bool) -> dict[str, Callable[[], list]]:
    from bench import allocation

    return {
        "allocation": partial(allocation.run, ops=40 if quick else 250),
    }


def selected(only: list[str], *, quick: bool) -> Iterator[tuple[str, Callable[[], list]]]:
    for name, run in _all(quick).items():
        if not only or name in only:
            yield name, run
