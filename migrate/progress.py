"""How long operations report progress without printing: the library takes a `Progress`, the
CLI passes a rich one on stderr, `--quiet` the null one."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, name: str, total: int | None) -> int:
        """Begin a task (e.g. one object) and return its handle."""

    def advance(self, task: int, amount: int = 1) -> None: ...

    def set_total(self, task: int, total: int) -> None: ...

    def note(self, message: str) -> None:
        """A line for the person watching (a warning, a decision)."""


class NullProgress:
    """Reports nothing."""

    def start(self, name: str, total: int | None) -> int:
        return 0

    def advance(self, task: int, amount: int = 1) -> None:
        pass

    def set_total(self, task: int, total: int) -> None:
        pass

    def note(self, message: str) -> None:
        pass


NULL_PROGRESS = NullProgress()
