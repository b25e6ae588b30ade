"""Planner charts as PNG (or a self-contained HTML page holding the PNG): required vs
scheduled staff per interval, service level vs agents, and a forecast's day shape."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from wfm.erlang import Load
from wfm.errors import InvalidInput
from wfm.required import service_level_curve


def staffing_chart(
    labels: Sequence[str],
    required: Sequence[float],
    scheduled: Sequence[float],
    path: Path,
    title: str = "Required vs scheduled agents",
) -> Path:
    fig, ax = plt.subplots(figsize=(11, 4.2))
    x = range(len(labels))
    ax.fill_between(x, required, step="post", alpha=0.25, color="tab:red", label="required")
    ax.step(x, required, where="post", color="tab:red", linewidth=1.2)
    ax.step(x, scheduled, where="post", color="tab:blue", linewidth=2, label="scheduled")
    return _per_interval(fig, ax, labels, "agents", title, "upper right", path)


def group_staffing_chart(
    labels: Sequence[str],
    groups: Mapping[str, Sequence[int]],
    erlang: Sequence[int],
    path: Path,
    title: str = "Agents per group found by simulation, and Erlang per queue alone",
) -> Path:
    """Each group's agents stacked per interval, beside the sum of per-queue Erlang answers
    (what staffing each queue on its own would ask for)."""
    fig, ax = plt.subplots(figsize=(11, 4.2))
    x = range(len(labels))
    ax.stackplot(x, *groups.values(), labels=list(groups), step="post", alpha=0.7)
    ax.step(x, erlang, where="post", color="black", linewidth=1.5, linestyle="--", label="Erlang")
    return _per_interval(fig, ax, labels, "agents on the phones", title, "upper left", path)


def interval_service_level_chart(
    labels: Sequence[str],
    queues: Mapping[str, Sequence[tuple[float, float]]],
    target: float,
    path: Path,
    title: str = "Simulated service level per interval (95% intervals)",
) -> Path:
    """Each queue's simulated service level per interval, ``(mean, half-width)``; intervals
    without calls are gaps."""
    fig, ax = plt.subplots(figsize=(11, 4.2))
    x = list(range(len(labels)))
    for name, points in queues.items():
        means = [m for m, _ in points]
        ax.errorbar(x, means, yerr=[h for _, h in points], label=name, marker="o", markersize=3,
                    capsize=2, linewidth=1)  # fmt: skip
    ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:.0%}")
    ax.set_ylim(0, 1.05)
    return _per_interval(fig, ax, labels, "service level", title, "lower right", path)


def service_level_chart(
    load: Load,
    answer_seconds: float,
    target: float,
    path: Path,
    patience: float | None = None,
    simulated: Sequence[tuple[int, float, float]] = (),
) -> Path:
    """SL vs agents under Erlang C (and Erlang A with ``patience``), with simulated points
    ``(agents, mean, 95% half-width)`` if given."""
    low = max(1, int(load.erlangs * 0.8))
    agents = range(low, int(load.erlangs * 1.3) + 6)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    c = service_level_curve(load, answer_seconds, agents)
    ax.plot(list(agents), [m.service_level for m in c], "o-", ms=3, label="Erlang C")
    if patience is not None:
        a = service_level_curve(load, answer_seconds, agents, patience)
        ax.plot(
            list(agents),
            [m.service_level for m in a],
            "s-",
            ms=3,
            label=f"Erlang A (patience {patience:.0f} s)",
        )
    if simulated:
        ax.errorbar(
            [s[0] for s in simulated],
            [s[1] for s in simulated],
            yerr=[s[2] for s in simulated],
            fmt="D",
            color="black",
            capsize=3,
            label="simulated, real router (95% CI)",
        )
    ax.axhline(target, color="tab:red", linestyle="--", label=f"target {target:.0%}")
    ax.set_xlabel("agents on the phones")
    ax.set_ylabel(f"answered within {answer_seconds:.0f} s")
    ax.set_title(f"Service level vs agents at {load.erlangs:.1f} Erlangs (AHT {load.aht:.0f} s)")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    return save(fig, path)


def forecast_chart(
    labels: Sequence[str],
    calls: Sequence[float],
    path: Path,
    title: str = "Forecast calls per interval",
) -> Path:
    fig, ax = plt.subplots(figsize=(11, 4))
    ax.bar(range(len(calls)), calls, width=1.0, color="tab:green", alpha=0.7)
    _ticks(ax, labels)
    ax.set_ylabel("calls")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    return save(fig, path)


def _per_interval(
    fig: Figure,
    ax: Axes,
    labels: Sequence[str],
    ylabel: str,
    title: str,
    legend: Literal["upper left", "upper right", "lower right"],
    path: Path,
) -> Path:
    """The finish every per-interval chart shares: interval ticks, labels, legend, grid."""
    _ticks(ax, labels)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc=legend)
    ax.grid(alpha=0.3)
    return save(fig, path)


def _ticks(ax: Axes, labels: Sequence[str]) -> None:
    step = max(1, len(labels) // 16)
    ax.set_xticks(range(0, len(labels), step))
    ax.set_xticklabels([labels[i] for i in range(0, len(labels), step)], rotation=45, ha="right")


def save(fig: Figure, path: Path) -> Path:
    """PNG for ``.png``; a page with the PNG inlined for ``.html``."""
    fig.tight_layout()
    if path.suffix not in (".png", ".html"):
        plt.close(fig)
        raise InvalidInput("charts are written as .png or .html", source=str(path))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    data = buffer.getvalue()
    if path.suffix == ".png":
        path.write_bytes(data)
    else:
        title = html.escape(path.stem)
        encoded = base64.b64encode(data).decode()
        path.write_text(
            f"<!doctype html><meta charset=utf-8><title>{title}</title>"
            f'<img alt="{title}" src="data:image/png;base64,{encoded}">\n',
            encoding="utf-8",
        )
    return path
