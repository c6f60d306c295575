"""Prospects' touches: the contacts with prospects before they became customers."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kamlib.data.sources import fetch

__all__ = ["prospect_touches"]


def prospect_touches(data, as_of: date) -> pd.DataFrame:
    """Every touch up to ``as_of`` (its whole day): ``prospect_id``, ``channel`` and
    ``day`` (the touch's date, as a timestamp at midnight)."""
    t = data.table("prospect_touches")
    t = t.filter(t.occurred_at < pd.Timestamp(as_of) + pd.Timedelta(days=1))
    touches = fetch(t.select("prospect_id", "channel", day=t.occurred_at.date()))
    touches["day"] = pd.to_datetime(touches["day"])
    return touches
