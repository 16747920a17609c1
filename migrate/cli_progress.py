"""The rich progress bars the CLI draws on stderr (the library only sees the `Progress` protocol)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class RichProgress:
    """A bar per task, with counts and ETA."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bars = Progress(
            TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("ETA"),
            TimeRemainingColumn(), console=console, transient=False,
        )

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.bars.stop()

    def start(self, name: str, total: int | None) -> int:
        return int(self.bars.add_task(name, total=total))

    def advance(self, task: int, amount: int = 1) -> None:
        self.bars.advance(task, amount)  # type: ignore[arg-type]

    def set_total(self, task: int, total: int) -> None:
        self.bars.update(task, total=total)  # type: ignore[arg-type]

    def note(self, message: str) -> None:
        self.bars.console.print(message)
