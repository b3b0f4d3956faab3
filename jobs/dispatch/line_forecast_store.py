"""The line operator's landed power forecasts (jobs/dispatch/line_forecast_file.py), read for
the dispatch: per interval, the freshest issue that covers it, as known at a given instant.

The landed files are immutable, so each is read once per process and kept (the mpc asks every
15 minutes). Only the last few issue dates are read: the longest product reaches 72 h.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from jobs.common import landing
from jobs.dispatch.line_forecast_file import DATASET

LOOKBACK_DAYS = 4  # a 72 h short-term issue reaches three days past its issue date


class LineForecastStore:
    def __init__(self, landing_root: str):
        self.landing_root = landing_root
        self._files: dict[str, pd.DataFrame] = {}

    def _issues(self, as_of: pd.Timestamp) -> pd.DataFrame:
        day = as_of.tz_convert("UTC").date()
        frames = []
        for back in range(LOOKBACK_DAYS):
            for path in landing.list_partition_files(self.landing_root, DATASET,
                                                     day - dt.timedelta(days=back)):
                if path not in self._files:
                    self._files[path] = landing.read_files([path]).select(
                        ["issued_at_utc", "interval_start_utc", "kw", "product"]).to_pandas()
                frames.append(self._files[path])
        if not frames:
            return pd.DataFrame(columns=["issued_at_utc", "interval_start_utc", "kw",
                                         "product"])
        rows = pd.concat(frames, ignore_index=True)
        return rows[rows["issued_at_utc"] <= as_of]

    def freshest(self, index: pd.DatetimeIndex, as_of: pd.Timestamp
                 ) -> tuple[pd.Series, pd.Series]:
        """kW per interval of `index` from the freshest issue made by `as_of` that covers it
        (NaN where none does), and that issue's product (`ultra_short`/`short_term`, or
        None)."""
        rows = self._issues(pd.Timestamp(as_of))
        if rows.empty:
            return (pd.Series(np.nan, index=index, dtype=float),
                    pd.Series(None, index=index, dtype=object))
        latest = rows.sort_values("issued_at_utc").drop_duplicates("interval_start_utc",
                                                                   keep="last")
        latest = latest.set_index("interval_start_utc")
        latest.index = pd.DatetimeIndex(latest.index).tz_convert("UTC")
        wanted = index.tz_convert("UTC")
        kw = latest["kw"].reindex(wanted).astype(float)
        product = latest["product"].reindex(wanted)
        return (pd.Series(kw.to_numpy(), index=index, dtype=float),
                pd.Series(product.to_numpy(), index=index, dtype=object))

    def as_issued_kw(self, index: pd.DatetimeIndex) -> pd.Series:
        """What the freshest forecast said for each past interval when it began (NaN where
        none covered it): the yardstick the meter corrects against."""
        values = [float(self.freshest(pd.DatetimeIndex([t]), t)[0].iloc[0]) for t in index]
        return pd.Series(values, index=index, dtype=float)
