"""The one error type for bad input, and the problem record for skipped items."""
from __future__ import annotations

from dataclasses import dataclass


class HomogError(Exception):
    """Bad input or an impossible request: what, where, and what to do.

    The CLI catches this once and prints it in one line (tracebacks only with
    ``--debug``).
    """

    def __init__(self, reason: str, *, file: str | None = None, record: str | None = None):
        self.reason = reason
        self.file = file
        self.record = record
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = ": ".join(part for part in (self.file, self.record) if part)
        return f"{where}: {self.reason}" if where else self.reason


@dataclass(frozen=True)
class Problem:
    """One input record that was skipped or loaded with a warning."""

    file: str
    record: str
    reason: str
    severity: str = "skipped"  # "skipped" | "warning"

    def __str__(self) -> str:
        return f"{self.file}: {self.record}: {self.reason}"
