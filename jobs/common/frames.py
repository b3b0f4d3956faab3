"""DuckDB query results as pandas frames, without duckdb's own deprecation warning.

duckdb 2.0's `.df()` converts a TIMESTAMP WITH TIME ZONE column with
`DataFrame.drop(inplace=True)`, which pandas 3.1 deprecates (Pandas4Warning). The warning is
duckdb's, but Python attributes it to the line that called `.df()`, so it reads as ours and
would fail the suite (pyproject: warnings from the project's modules are errors). `.df()` is
kept rather than Arrow's `to_pandas()`: Arrow turns DECIMAL and DATE columns into objects.
"""

from __future__ import annotations

import warnings
from typing import Protocol

import pandas as pd
from pandas.errors import Pandas4Warning

# the message duckdb's conversion triggers; nothing else is silenced
DUCKDB_DROP_INPLACE = "The inplace keyword in DataFrame.drop is deprecated"


class _HasDf(Protocol):
    def df(self) -> pd.DataFrame: ...


def to_frame(result: _HasDf) -> pd.DataFrame:
    """`result.df()` (a DuckDB connection after execute, or a relation)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=DUCKDB_DROP_INPLACE, category=Pandas4Warning)
        return result.df()
