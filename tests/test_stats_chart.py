"""The /stats picture shows the user's data: the days that have any, inside the frame."""

from __future__ import annotations

import datetime as dt

import numpy as np
from matplotlib.patches import Rectangle

from core.stats import MIN_DAYS, stats_figure, stats_png, visible_days

TODAY = dt.date(2025, 6, 18)
DAYS = [TODAY - dt.timedelta(days=27 - n) for n in range(28)]
NEW_USER = {
    "shown": {DAYS[-3]: 10, DAYS[-2]: 8, DAYS[-1]: 10},
    "up": {DAYS[-3]: 3, DAYS[-1]: 2},
    "down": {DAYS[-2]: 1, DAYS[-1]: 1},
}


def test_a_new_users_days_fill_the_chart_and_stay_inside_it() -> None:
    figure = stats_figure(days=DAYS, **NEW_USER)
    axis, share_axis = figure.axes
    left, right = axis.get_xlim()
    assert right - left <= MIN_DAYS + 1  # a week, not four weeks with the data in the last sliver
    bottom, top = axis.get_ylim()
    bars: list[Rectangle] = [p for p in axis.patches if isinstance(p, Rectangle)]
    assert len(bars) == 3 * MIN_DAYS
    for bar in bars:
        assert left <= bar.get_x() and bar.get_x() + bar.get_width() <= right
        assert bottom <= bar.get_height() < top  # headroom: the tallest bar is not cut by the frame
    (line,) = share_axis.get_lines()
    shares = [float(y) for y in np.asarray(line.get_ydata(), dtype=float) if y == y]
    assert max(shares) == 1.0 and max(shares) < share_axis.get_ylim()[1]  # 100 % is not clipped
    labels = [t.get_text() for t in axis.get_xticklabels()]
    assert labels[-1] == "Jun 18"  # today is named


def test_a_long_history_keeps_every_day_that_has_data() -> None:
    shown = {d: 5 for d in DAYS[3:]}
    assert visible_days(DAYS, shown) == DAYS[2:]
    assert visible_days(DAYS, {}) == DAYS[-MIN_DAYS:]


def test_the_png_is_a_png() -> None:
    png = stats_png(days=DAYS, **NEW_USER)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
