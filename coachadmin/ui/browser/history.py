"""Back and forward through the folders visited, as a file manager does."""

from __future__ import annotations


class History:
    """Visited prefixes; going somewhere new drops the forward entries."""

    def __init__(self, limit: int = 200) -> None:
        self._entries: list[str] = []
        self._at = -1
        self._limit = limit

    @property
    def current(self) -> str | None:
        return self._entries[self._at] if self._at >= 0 else None

    def visit(self, prefix: str) -> None:
        if prefix == self.current:
            return
        del self._entries[self._at + 1 :]
        self._entries.append(prefix)
        if len(self._entries) > self._limit:
            del self._entries[0]
        self._at = len(self._entries) - 1

    def can_go_back(self) -> bool:
        return self._at > 0

    def can_go_forward(self) -> bool:
        return self._at < len(self._entries) - 1

    def back(self) -> str | None:
        if not self.can_go_back():
            return None
        self._at -= 1
        return self.current

    def forward(self) -> str | None:
        if not self.can_go_forward():
            return None
        self._at += 1
        return self.current

    def clear(self) -> None:
        self._entries, self._at = [], -1
