"""Output of the ``iaas`` command for humans: plans, progress lines, notes and errors.

A stream is styled (with rich) only when colour is wanted and the stream is a terminal, or ``FORCE_COLOR`` is set;
otherwise text is written as it is, and rich is never loaded.  Every text is made printable first: what came from
user input may hold control characters.  A plan goes out in one write, however long it is.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import IO, Any

from iaas.api import printable

_STYLE = {"+": "green", "-": "red", "~": "yellow", "-/+": "magenta"}


def _line_style(line: str) -> str:
    return _STYLE.get(line.strip().split(" ", 1)[0], "")


class UI:
    """Output for humans: plan diffs, progress lines, errors."""

    def __init__(self, color: bool):
        self.color = color
        self._consoles: dict[bool, Any] = {}
        self._lock = threading.Lock()
        self._last_tick = 0.0
        self._counts: dict[str, int] = {}
        self.total = 0

    @staticmethod
    def _stream(stderr: bool) -> IO[str]:
        return sys.stderr if stderr else sys.stdout

    def _console(self, stderr: bool) -> Any:
        """A rich console for the stream when it is to be styled, else None."""
        stream = self._stream(stderr)
        if not self.color or os.environ.get("TERM") in ("dumb", "unknown"):
            return None
        if not (os.environ.get("FORCE_COLOR") or (hasattr(stream, "isatty") and stream.isatty())):
            return None
        if stderr not in self._consoles:
            from rich.console import Console

            self._consoles[stderr] = Console(stderr=stderr, highlight=False, soft_wrap=True)
        return self._consoles[stderr]

    def _write(self, text: str, style: str = "", stderr: bool = False) -> None:
        self._write_lines([(text, style)], stderr)

    def _write_lines(self, lines: list[tuple[str, str]], stderr: bool = False) -> None:
        """Write styled lines in one call to the stream."""
        console = self._console(stderr)
        if console is None:
            stream = self._stream(stderr)
            stream.write("".join(printable(text) + "\n" for text, _ in lines))
            stream.flush()
            return
        from rich.text import Text

        out = Text()
        for text, style in lines:
            out.append(printable(text) + "\n", style=style or None)
        console.print(out, end="")

    def print(self, text: str = "") -> None:
        """Print plain text."""
        self._write(text)

    def note(self, text: str, style: str = "dim") -> None:
        """Print a note or warning to stderr."""
        self._write(text, style, stderr=True)

    def plan(self, text: str) -> None:
        """Print a rendered plan with its +/-/~ lines coloured, in one write."""
        self._write_lines([(line, _line_style(line)) for line in text.splitlines()])

    def error(self, text: str) -> None:
        """Print an error to stderr."""
        self._write("Error: " + text, "bold red", stderr=True)

    def event(self, kind: str, address: str, info: dict[str, Any]) -> None:
        """Progress of an apply: one line per step, or a summary per second on large applies."""
        with self._lock:
            if kind == "refresh":
                return
            self._counts[kind] = self._counts.get(kind, 0) + 1
            if self.total > 50:
                self._tick(kind, address, info)
            elif kind == "start":
                self.print(f"{address}: {str(info.get('action', '')).capitalize()}...")
            elif kind == "done":
                self._write(f"{address}: {info.get('result', 'done')}", "green")
            elif kind == "failed":
                self.note(f"{address}: failed: {info.get('error')}", "red")
            elif kind == "skipped":
                self.note(f"{address}: skipped (a dependency failed)", "yellow")

    def _tick(self, kind: str, address: str, info: dict[str, Any]) -> None:
        if kind == "failed":
            self.note(f"{address}: failed: {info.get('error')}", "red")
        now = time.monotonic()
        if now - self._last_tick >= 1.0:
            self._last_tick = now
            done = self._counts.get("done", 0)
            self.print(f"... {done}/{self.total} steps done, {self._counts.get('failed', 0)} failed")
