"""Progress and messages go to stderr, so stdout carries only results (pipe-friendly)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

err = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def working(description: str) -> Iterator[None]:
    """A spinner with elapsed time for one request whose length nobody knows in advance."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err, transient=True,
    ) as progress:
        progress.add_task(description, total=None)
        yield


@contextmanager
def steps(description: str, total: int) -> Iterator[tuple[Progress, TaskID]]:
    """A bar over a known number of steps (files read, samples uploaded)."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
        TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
        console=err, transient=True,
    ) as progress:
        yield progress, progress.add_task(description, total=total)


@contextmanager
def receiving(description: str) -> Iterator[tuple[Progress, TaskID]]:
    """Bytes received of a streamed answer of unknown length."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), DownloadColumn(),
        TimeElapsedColumn(), console=err, transient=True,
    ) as progress:
        yield progress, progress.add_task(description, total=None)
