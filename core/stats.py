"""A user's last weeks as a picture: papers shown, 👍 and 👎 per day, and the share of 👍."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MIN_DAYS = 7  # a new user's few days still read as a week, not as three fat bars
WIDTH = 0.28


def visible_days(days: list[dt.date], *series: Mapping[dt.date, int]) -> list[dt.date]:
    """The days worth drawing: from the day before the first with any data (at least the last
    `MIN_DAYS`), so a user who started last week does not see four empty weeks and a sliver."""
    used = [i for i, d in enumerate(days) if any(s.get(d, 0) for s in series)]
    if not used:
        return days[-MIN_DAYS:]
    first = min(max(0, used[0] - 1), max(0, len(days) - MIN_DAYS))
    return days[first:]


def stats_figure(
    *, days: list[dt.date], shown: dict[dt.date, int], up: dict[dt.date, int], down: dict[dt.date, int]
) -> Figure:
    """Bars per day with the running share of 👍 among rated papers on a second axis; every bar,
    label and point inside the picture."""
    import matplotlib  # a second to import: only /stats pays for it

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    days = visible_days(days, shown, up, down)
    figure = Figure(figsize=(8, 3.8), dpi=100)
    axis = figure.add_subplot()
    x = list(range(len(days)))
    counts = [[s.get(d, 0) for d in days] for s in (shown, up, down)]
    for offset, values, label, color in zip(
        (-WIDTH, 0.0, WIDTH),
        counts,
        ("shown", "liked", "disliked"),
        ("#9bb7d4", "#4caf50", "#e57373"),
        strict=True,
    ):
        axis.bar([i + offset for i in x], values, WIDTH, label=label, color=color)
    axis.set_xlim(-0.5 - WIDTH, len(days) - 0.5 + WIDTH)
    axis.set_ylim(0, max(1, *counts[0], *counts[1], *counts[2]) * 1.15)
    axis.yaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_ylabel("papers")
    step = max(1, -(-len(days) // 10))
    ticks = x[::-1][::step][::-1]  # always label the latest day
    axis.set_xticks(ticks, [days[i].strftime("%b %d") for i in ticks], fontsize=8)
    share_axis = axis.twinx()
    liked = rated = 0
    shares = []
    for d in days:
        liked, rated = liked + up.get(d, 0), rated + up.get(d, 0) + down.get(d, 0)
        shares.append(liked / rated if rated else float("nan"))
    share_axis.plot(x, shares, color="#333333", marker=".", label="share liked (running)")
    share_axis.set_ylim(0, 1.08)
    share_axis.yaxis.set_major_formatter(PercentFormatter(1.0))
    share_axis.set_ylabel("share liked")
    handles = axis.get_legend_handles_labels()[0] + share_axis.get_legend_handles_labels()[0]
    figure.set_layout_engine("constrained")
    figure.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8, frameon=False)
    axis.set_title("Your paperbot weeks")
    return figure


def stats_png(
    *, days: list[dt.date], shown: dict[dt.date, int], up: dict[dt.date, int], down: dict[dt.date, int]
) -> bytes:
    figure = stats_figure(days=days, shown=shown, up=up, down=down)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
