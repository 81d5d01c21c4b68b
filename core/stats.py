"""A user's last weeks as a picture: papers shown, 👍 and 👎 per day, and the share of 👍."""

from __future__ import annotations

import datetime as dt
import io


def stats_png(
    *, days: list[dt.date], shown: dict[dt.date, int], up: dict[dt.date, int], down: dict[dt.date, int]
) -> bytes:
    """A bar chart per day with the running share of 👍 among rated papers on a second axis."""
    import matplotlib  # a second to import: only /stats pays for it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 3.6), dpi=100)
    x = list(range(len(days)))
    width = 0.28
    axis.bar([i - width for i in x], [shown.get(d, 0) for d in days], width, label="shown", color="#9bb7d4")
    axis.bar(x, [up.get(d, 0) for d in days], width, label="liked", color="#4caf50")
    axis.bar([i + width for i in x], [down.get(d, 0) for d in days], width, label="disliked", color="#e57373")
    axis.set_ylabel("papers")
    step = max(1, len(days) // 10)
    axis.set_xticks(x[::step], [d.strftime("%b %d") for d in days[::step]], fontsize=8)
    share_axis = axis.twinx()
    liked = rated = 0
    shares = []
    for d in days:
        liked, rated = liked + up.get(d, 0), rated + up.get(d, 0) + down.get(d, 0)
        shares.append(liked / rated if rated else float("nan"))
    share_axis.plot(x, shares, color="#333333", marker=".", label="share liked (running)")
    share_axis.set_ylim(0, 1)
    share_axis.set_ylabel("share liked")
    handles = axis.get_legend_handles_labels()[0] + share_axis.get_legend_handles_labels()[0]
    axis.legend(handles=handles, loc="upper left", fontsize=8)
    axis.set_title("Your paperbot weeks")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()
