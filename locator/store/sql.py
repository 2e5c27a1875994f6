"""What every query module shares: the connection type it runs on and its `$n` parameters."""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

# Either a pool (each query borrows a connection for its own length) or one connection.
Executor: TypeAlias = asyncpg.Pool | asyncpg.Connection


class Params(list[Any]):
    """Positional parameters for asyncpg: `add(value)` returns its `$n` placeholder."""

    def add(self, value: Any) -> str:
        """Append `value`; its placeholder goes into the SQL text, never the value itself."""
        self.append(value)
        return f"${len(self)}"
