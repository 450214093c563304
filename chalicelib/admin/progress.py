"""Progress of a long command: a bar with counts and rate on a terminal, a plain line every
few seconds otherwise (a log, a CI job)."""
import sys
import time


class Progress:
    def __init__(self, label: str, total=None, stream=None, every: float = 5.0):
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr
        self.terminal = getattr(self.stream, "isatty", lambda: False)()
        self.started = self.shown = time.monotonic()
        self.every = 0.1 if self.terminal else every

    def rate(self) -> float:
        spent = time.monotonic() - self.started
        return self.done / spent if spent > 0 else 0.0

    def advance(self, n: int = 1) -> None:
        self.done += n
        if time.monotonic() - self.shown >= self.every:
            self.show()

    def line(self) -> str:
        of = f"/{self.total}" if self.total is not None else ""
        return f"{self.label}: {self.done}{of} ({self.rate():.1f}/s)"

    def show(self) -> None:
        self.shown = time.monotonic()
        if self.terminal:
            width = 30
            filled = int(width * self.done / self.total) if self.total else 0
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.line()}")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def finish(self) -> None:
        self.show()
        if self.terminal:
            self.stream.write("\n")
        self.stream.flush()
