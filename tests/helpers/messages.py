"""The flash messages a page shows."""

from __future__ import annotations


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]
