"""Build documents for one or many profiles: validate, plan, render, write, and report coverage.

This module calls the stages in order (profile -> plan -> render -> write) and returns plain
results; it knows nothing of the command line. Batches run in worker processes.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from msp_docs.errors import MspDocsError


@dataclass(frozen=True)
class BuiltDocument:
    """One written document and how it stands against its baseline."""

    name: str
    path: str
    required: int
    uncovered: tuple[str, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    pdf: str | None = None

    @property
    def covered(self) -> int:
        """How many baseline requirements the document covers."""
        return self.required - len(self.uncovered)


@dataclass(frozen=True)
class BuildResult:
    """What happened for one profile: the documents written, or the error that stopped it."""

    profile: str
    organisation: str | None = None
    folder: str | None = None
    documents: tuple[BuiltDocument, ...] = ()
    error: MspDocsError | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def gaps(self) -> bool:
        """True when any document misses part of its baseline."""
        return any(d.uncovered for d in self.documents)


def build_profile(
    profile_path: str | os.PathLike,
    out_dir: str | os.PathLike = "output",
    *,
    only: Iterable[str] | None = None,
    force: bool = False,
    date: dt.date | None = None,
    templates_dir: str | os.PathLike | None = None,
    pdf: bool = False,
    on_document: Callable[[BuiltDocument, int], None] | None = None,
) -> BuildResult:
    """Build every document (or those in ``only``) for one profile; raise MspDocsError on failure.

    ``on_document(document, total)`` is called as each document is written (progress for a long
    build: a PDF takes LibreOffice a few seconds).
    """
    from msp_docs.plan import documents_for, plan_document
    from msp_docs.profile import load_profile
    from msp_docs.render import render_document
    from msp_docs.write import refuse_existing, write_atomic

    profile = load_profile(profile_path)
    specs = documents_for(profile, list(only) if only else None)
    folder = Path(out_dir) / profile.slug
    targets = [folder / f"{spec.name}.docx" for spec in specs]
    pdf_targets = [t.with_suffix(".pdf") for t in targets] if pdf else []
    refuse_existing(targets + pdf_targets, force)
    warnings: list[str] = []
    converter = None
    if pdf:
        from msp_docs.convert import find_soffice

        converter = find_soffice()
        if converter is None:
            warnings.append("--pdf: LibreOffice (soffice) is not installed, so no PDFs were written; install it (e.g. apt-get install libreoffice-writer-nogui) and run again")
    built: list[BuiltDocument] = []
    for spec, target in zip(specs, targets):
        plan = plan_document(profile, spec, date)
        rendered = render_document(plan, templates_dir=templates_dir, date=date, profile_dir=profile.base_dir)
        write_atomic(target, rendered.data, force=force)
        pdf_path = None
        if converter is not None:
            from msp_docs.convert import docx_to_pdf

            pdf_bytes = docx_to_pdf(target, soffice=converter)
            pdf_path = str(write_atomic(target.with_suffix(".pdf"), pdf_bytes, force=force))
        built.append(
            BuiltDocument(
                name=spec.name,
                path=str(target),
                required=len(plan.required),
                uncovered=plan.uncovered,
                skipped=plan.skipped,
                pdf=pdf_path,
            )
        )
        if on_document is not None:
            on_document(built[-1], len(specs))
    return BuildResult(profile=str(profile_path), organisation=profile.name, folder=str(folder), documents=tuple(built), warnings=tuple(warnings))


_stop = None  # in a worker process: the parent's event asking every worker to stop


def _start_worker(stop) -> None:
    """Worker initializer: Ctrl+C and SIGTERM are only noted; the worker stops between documents.

    Raised in the middle of python-docx or zipfile, KeyboardInterrupt can be dropped by a
    finaliser (and printed), or hit a worker waiting for work (and print a traceback); stopping
    at a safe point has neither problem. The parent asks through ``stop`` when it is interrupted.
    """
    global _stop
    from msp_docs import interrupt

    interrupt.note_only()
    _stop = stop


def _stop_if_asked(*_document) -> None:
    from msp_docs import interrupt

    if _stop is not None and (interrupt.requested() or _stop.is_set()):
        raise KeyboardInterrupt


def _build_one(args: tuple) -> BuildResult:
    """Worker entry point: build one profile and turn msp-docs errors into a result."""
    path, kwargs = args
    if _stop is not None:
        # In a worker: stop before starting, and after each document, once asked to.
        _stop_if_asked()
        kwargs = {**kwargs, "on_document": _chain(kwargs.get("on_document"), _stop_if_asked)}
    try:
        return build_profile(path, **kwargs)
    except MspDocsError as err:
        return BuildResult(profile=str(path), error=err)


def _chain(first, then):
    if first is None:
        return then

    def both(document, total):
        first(document, total)
        then(document, total)

    return both


def build_many(
    paths: list[str],
    *,
    jobs: int = 1,
    on_result: Callable[[BuildResult], None] | None = None,
    **kwargs,
) -> list[BuildResult]:
    """Build many profiles, in ``jobs`` worker processes; one bad profile does not stop the others.

    Results come back in the order of ``paths``; ``on_result`` is called as each one finishes.
    Interrupted (KeyboardInterrupt, or a worker sent Ctrl+C or SIGTERM), it stops every worker
    after the document it is writing, waits for them, and raises KeyboardInterrupt.
    """
    results: dict[int, BuildResult] = {}
    if jobs <= 1 or len(paths) <= 1:
        for index, path in enumerate(paths):
            result = _build_one((path, kwargs))
            results[index] = result
            if on_result:
                on_result(result)
    else:
        import multiprocessing

        from msp_docs.interrupt import deferred

        _warm_caches(kwargs.get("templates_dir"))
        context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        stop = context.Event()
        pool = None
        try:
            # The workers are forked by the first submit; holding signals until they are running
            # means none inherits a handler that raises before _start_worker has replaced it.
            with deferred():
                pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start_worker, initargs=(stop,))
                futures = {pool.submit(_build_one, (path, kwargs)): index for index, path in enumerate(paths)}
            for future in as_completed(futures):
                result = future.result()
                results[futures[future]] = result
                if on_result:
                    on_result(result)
            pool.shutdown(wait=True)
        except BaseException:
            # Interrupted (Ctrl+C, SIGTERM) or failed: profiles not yet started are dropped, and each
            # worker finishes the document it is writing (written atomically) and stops. Another
            # Ctrl+C meanwhile waits too, so no worker is abandoned half-way.
            if pool is not None:
                with deferred():
                    stop.set()
                    pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [results[i] for i in range(len(paths))]


def _warm_caches(templates_dir) -> None:
    """Load the catalogue, clause library and templates once, before worker processes fork."""
    from msp_docs.catalogue import load_catalogue
    from msp_docs.clauses import load_library
    from msp_docs.plan import document_kinds
    from msp_docs.render import template_bytes

    import docx  # noqa: F401 - imported once here rather than once per worker
    import docxtpl  # noqa: F401

    from msp_docs import _ooxml
    from msp_docs.clauses import _compiled

    _ooxml.restore_core_properties_prefix()
    load_catalogue()
    for clause in load_library().clauses.values():
        _compiled(clause)  # each worker would otherwise compile every clause body again
    for info in document_kinds()["kinds"].values():
        try:
            template_bytes(info["template"], templates_dir)
        except MspDocsError:
            pass  # reported properly by the profile that needs it
