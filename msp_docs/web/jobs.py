"""Long work (checking, building) in worker threads with progress, and results kept for download.

Each job and each kept result belongs to the browser session that made it, is found by an
unguessable id, and is forgotten after an hour (or when too many, or too many bytes, are kept).
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("msp_docs.web")

KEEP_SECONDS = 3600
KEEP_COUNT = 50
KEEP_BYTES = 400 * 1024 * 1024  # files kept in memory for download or review, all sessions together


def kept_bytes(value: Any) -> int:
    """How many bytes of files a kept value holds in memory: its ``bytes`` fields (for a job, its result's)."""
    if isinstance(value, Job):
        value = value.result
    if isinstance(value, (list, tuple)):
        return sum(kept_bytes(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(len(v) for v in (getattr(value, f.name) for f in dataclasses.fields(value)) if isinstance(v, bytes))
    return 0


@dataclass
class Job:
    """One piece of long work: its progress while it runs, then its result or the message that stopped it."""

    id: str
    owner: str
    kind: str
    total: int
    done: int = 0
    state: str = "running"  # running, done, failed
    result: Any = None
    message: str | None = None
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def step(self, count: int = 1, total: int | None = None) -> None:
        """Record progress (called from the worker thread)."""
        if total is not None:
            self.total = total
        self.done = min(self.done + count, self.total or self.done + count)


class JobStore:
    """Runs jobs in a bounded pool of threads and keeps jobs and results by id, per session."""

    def __init__(self, workers: int = 4, keep_bytes: int = KEEP_BYTES) -> None:
        self.keep_bytes = keep_bytes
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="msp-docs-job")
        self._items: OrderedDict[str, tuple[str, float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def submit(self, owner: str, kind: str, total: int, work: Callable[[Job], Any], cleanup: Callable[[], None] | None = None) -> Job:
        """Start ``work(job)`` in a worker thread; its return value becomes ``job.result``.

        ``cleanup`` runs when the work ends, however it ends (it removes the uploads).
        """
        job = Job(id=secrets.token_urlsafe(18), owner=owner, kind=kind, total=total)
        self.keep(owner, job, key=job.id)

        def run() -> None:
            try:
                job.result = work(job)
                job.state = "done"
            except Exception as err:  # a defect: say so on the page, keep the details in the log
                log.exception("job %s (%s) failed", job.id, kind)
                job.message = (
                    f"Something went wrong inside msp-docs ({type(err).__name__}). This is a defect in msp-docs, "
                    "not in your files. Try again; if it happens again, report it."
                )
                job.state = "failed"
            finally:
                job.finished = time.monotonic()
                if cleanup is not None:
                    try:
                        cleanup()
                    except Exception:  # pragma: no cover - cleanup must never hide the result
                        log.exception("cleaning up after job %s failed", job.id)

        try:
            self._pool.submit(run)
        except BaseException:
            if cleanup is not None:
                cleanup()
            raise
        return job

    def keep(self, owner: str, value: Any, key: str | None = None) -> str:
        """Keep ``value`` for ``owner`` and return its id."""
        key = key or secrets.token_urlsafe(18)
        with self._lock:
            self._items[key] = (owner, time.monotonic(), value)
            self._forget_old()
            while len(self._items) > KEEP_COUNT:
                self._items.popitem(last=False)
        return key

    def get(self, owner: str, key: str) -> Any:
        """The value kept under ``key`` for ``owner``, or None (unknown, expired or someone else's)."""
        with self._lock:
            self._forget_old()
            item = self._items.get(key)
        if item is None or not secrets.compare_digest(item[0], owner):
            return None
        return item[2]

    def _forget_old(self) -> None:
        now = time.monotonic()
        for key in [k for k, (_o, when, value) in self._items.items() if now - when > KEEP_SECONDS and getattr(value, "state", "done") != "running"]:
            del self._items[key]
        # Over the byte budget, the oldest go first (but never the newest, which was just kept).
        sizes = {k: kept_bytes(value) for k, (_o, _w, value) in self._items.items()}
        total = sum(sizes.values())
        for key in list(self._items)[:-1]:
            if total <= self.keep_bytes:
                break
            if sizes[key]:
                total -= sizes[key]
                del self._items[key]


def this_sessions_job(kind: str, job_id: str) -> Job:
    """The job of this kind with this id, if this browser session started it; otherwise 404."""
    from flask import abort, current_app

    from msp_docs.web.session import session_id

    job = current_app.extensions["msp_docs_jobs"].get(session_id(), job_id)
    if not isinstance(job, Job) or job.kind != kind:
        abort(404)
    return job


def unfinished_page(job: Job, *, section: str, title: str, failed_title: str):
    """The progress page while ``job`` runs, the error page if it failed, or None when it is done."""
    from flask import render_template, request, url_for

    if job.state == "running":
        return render_template("progress.html", section=section, title=title, job=job, what="document", status_url=url_for(f"{request.blueprint}.status", job_id=job.id))
    if job.state == "failed":
        return render_template("error.html", section=section, title=failed_title, message=job.message), 500
    return None


def job_status(job: Job):
    """The job's progress as JSON, for the page's script, with the address of its result."""
    from flask import jsonify, request, url_for

    return jsonify(state=job.state, done=job.done, total=job.total, url=url_for(f"{request.blueprint}.result", job_id=job.id))
