"""The assistant's named errors: what a user can act on, apart from bugs (which stay tracebacks).

    try:
        index = ShopIndex.open(settings)
    except AssistantError as e:          # the CLI prints "error: ..." and exits 2 for these, and only these
        print(f"error: {e}")

    AssistantError
    ├── ConfigError      a setting, backend or model name that does not exist (also a ValueError)
    ├── DataError        a shop file breaks its contract; names file, row and column (also a ValueError)
    ├── UsageError       a request the assistant refuses or cannot answer as asked (also a ValueError)
    ├── IndexMismatch    indexes missing, damaged or built from other data: rebuild
    └── LLMUnavailable   the LLM cannot answer (off, loading, busy, down, timed out): templates answer

Like simonw/llm's errors.py: a small set, raised where the fact is known, caught narrowly where it is handled.
"""
from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the assistant reports to a person instead of crashing."""


class ConfigError(AssistantError, ValueError):
    """A setting, backend or model name that does not exist."""


class DataError(AssistantError, ValueError):
    """A shop file breaks its contract: `DataError("products.csv", "bad price", row=3, column="price")`."""

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None):
        self.file, self.row, self.column = file, row, column
        where = file
        if row is not None:
            where += f" row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


class UsageError(AssistantError, ValueError):
    """A request refused or impossible as asked (e.g. an audience below k-anonymity, an unsupported split)."""


class IndexMismatch(AssistantError):
    """The indexes are missing, damaged, or were built from other data: rebuild them."""


class LLMUnavailable(AssistantError):
    """The LLM cannot answer (missing package, server down, busy, timeout); callers fall back to templates."""
