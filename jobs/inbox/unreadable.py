"""How reading says what it cannot use: a whole file (`UnreadableFile`) or one cell
(`RefusedCell`, reported by validation at its row and column with the other problems)."""

from __future__ import annotations

from dataclasses import dataclass


class UnreadableFile(Exception):
    """The file cannot be read as a table at all; `row` is set when the place is known."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass(frozen=True)
class RefusedCell:
    """A cell whose content cannot be used; validation reports `reason` at its row and column."""

    reason: str
    shown: str

    def __str__(self) -> str:
        return self.shown
