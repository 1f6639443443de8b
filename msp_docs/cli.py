"""The msp-docs command line: parse options, call the library, print results.

This module imports no docx, docxtpl, lxml or cerberus at start-up (so ``--help`` is instant);
each command imports what it needs. Exit codes are mapped in one place, MspDocsGroup.
"""

from __future__ import annotations

import os
import signal
import sys

import click

from msp_docs import __version__
from msp_docs.errors import InvalidInputError, MspDocsError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID = 2
EXIT_GAPS = 3

# The one table from exception class to exit code (first match wins, most specific first).
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (InvalidInputError, EXIT_INVALID),
    (MspDocsError, EXIT_INTERNAL),
)


def _exit_code_for(error: BaseException) -> int:
    for cls, code in EXIT_CODES:
        if isinstance(error, cls):
            return code
    return EXIT_INTERNAL


class MspDocsGroup(click.Group):
    """A click group that turns msp-docs errors into messages and exit codes, without tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("msp-docs: interrupted; nothing partial was left behind", err=True)
            ctx.exit(130)
        except MspDocsError as err:
            if _debug(ctx):
                raise
            click.echo(f"error: {err}", err=True)
            ctx.exit(_exit_code_for(err))
        except Exception as err:  # an msp-docs defect: say so plainly
            if _debug(ctx):
                raise
            click.echo(
                f"internal error: {type(err).__name__}: {err}\n"
                "This is a defect in msp-docs. Run the same command with --debug for the details and report it.",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


def _debug(ctx: click.Context) -> bool:
    root = ctx.find_root()
    return bool((root.obj or {}).get("debug")) or os.environ.get("MSP_DOCS_DEBUG") == "1"


def _terminate(signum, frame):  # pragma: no cover - exercised by the interruption tests
    raise KeyboardInterrupt


@click.group(cls=MspDocsGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="msp-docs")
@click.option("--debug", is_flag=True, help="Show a full traceback when something goes wrong.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Write and check adult safeguarding documents for the UK housing sector.

    msp-docs merges an organisation profile (YAML) with a library of clauses built on the
    Care Act 2014, the Care and Support Statutory Guidance (chapter 14), the Mental Capacity
    Act 2005 and Making Safeguarding Personal, writes Word documents, and checks documents
    written by others for coverage.

    \b
    Example:
      msp-docs init my-org.yaml && msp-docs validate my-org.yaml

    Exit codes: 0 ok, 1 internal error, 2 usage or invalid input, 3 coverage gaps found.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


@cli.command()
@click.argument("profile", type=click.Path(dir_okay=True, path_type=str))
@click.option(
    "--kind",
    type=click.Choice(["housing-association", "local-authority", "almo", "supported-housing", "contractor"]),
    default="housing-association",
    show_default=True,
    help="Kind of organisation the starter profile is for.",
)
@click.option("--force", is_flag=True, help="Replace PROFILE if it already exists.")
def init(profile: str, kind: str, force: bool) -> None:
    """Write a commented starter profile to PROFILE.

    \b
    Example:
      msp-docs init profiles/my-org.yaml --kind almo
    """
    from msp_docs.profile import starter_profile
    from msp_docs.write import write_atomic

    path = write_atomic(profile, starter_profile(kind).encode("utf-8"), force=force)
    click.echo(f"wrote {path}: edit it, then run `msp-docs validate {path}`")


@cli.command()
@click.argument("profiles", nargs=-1, required=True, type=click.Path(path_type=str))
def validate(profiles: tuple[str, ...]) -> None:
    """Check one or more organisation profiles and report every problem.

    \b
    Example:
      msp-docs validate profiles/*.yaml
    """
    from msp_docs.errors import ProfileError
    from msp_docs.profile import load_profile

    failed = 0
    for path in _expand_profiles(profiles):
        try:
            profile = load_profile(path)
        except ProfileError as err:
            failed += 1
            click.echo(f"invalid: {err}", err=True)
        else:
            click.echo(f"ok: {path} ({profile.name})")
    if failed:
        raise InvalidInputError(f"{failed} of {len(_expand_profiles(profiles))} profile(s) are not valid; fix the problems listed above")


_SEVERITY = {EXIT_OK: 0, EXIT_GAPS: 1, EXIT_INVALID: 2, EXIT_INTERNAL: 3}


def _worst(codes) -> int:
    """The most serious exit code: internal error, then invalid input, then gaps, then ok."""
    return max(codes, key=lambda c: _SEVERITY.get(c, 3), default=EXIT_OK)


def _progress(total: int, label: str, quiet: bool):
    """A progress bar on a terminal for batches; nothing when quiet or not a terminal."""
    if quiet or total < 2 or not sys.stderr.isatty():
        return None
    return click.progressbar(length=total, label=label, file=sys.stderr)


@cli.command()
@click.argument("profiles", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("-o", "--output", "output", default="output", show_default=True, type=click.Path(file_okay=False, path_type=str), help="Folder to write into; each organisation gets a sub-folder.")
@click.option("--only", "only", metavar="KIND,...", help="Build only these documents: policy, procedure, contract (all contracts), contract-<service>, self-assessment, leaflet.")
@click.option("--force", is_flag=True, help="Replace documents that already exist.")
@click.option("--date", "date", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date recorded in the documents' properties (default: today); the same profile, date and version give identical files.")
@click.option("--pdf", is_flag=True, help="Also write a PDF of each document (needs LibreOffice).")
@click.option("--templates", "templates", type=click.Path(file_okay=False, exists=True, path_type=str), help="Folder of your own Word templates (copies of templates/ with your branding).")
@click.option("-j", "--jobs", "jobs", type=click.IntRange(min=1), default=None, help="Profiles to build at once (default: the number of CPUs).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and only problems are printed.")
def build(profiles, output, only, force, date, pdf, templates, jobs, quiet) -> None:
    """Write the Word documents for one or more profiles (or folders of profiles).

    Writes OUTPUT/<organisation>/<document>.docx for the policy, procedure, a
    safeguarding schedule per contracted service, the self-assessment and the
    tenant leaflet, then checks each against its baseline. Exits 3 when a
    document does not cover its baseline (for example when the profile left
    a clause out).

    \b
    Example:
      msp-docs build profiles/ --date 2026-04-01
      msp-docs build my-org.yaml -o out --only policy,contract-gas --force
    """
    from msp_docs.build import build_many

    paths = _expand_profiles(profiles)
    only_list = [item.strip() for item in only.split(",") if item.strip()] if only else None
    bar = _progress(len(paths), "Building", quiet)
    codes: list[int] = []

    def report(result) -> None:
        if bar is not None:
            bar.update(1)
        if result.error is not None:
            click.echo(f"\n{result.profile}: error: {result.error}" if bar else f"{result.profile}: error: {result.error}", err=True)
            codes.append(_exit_code_for(result.error))
            return
        if not quiet:
            click.echo(f"{result.organisation} -> {result.folder}")
        for doc in result.documents:
            if doc.uncovered:
                click.echo(f"  {doc.name}.docx: {len(doc.uncovered)} of {doc.required} baseline requirements not covered: {', '.join(doc.uncovered)}", err=True)
            elif not quiet:
                click.echo(f"  {doc.name}.docx: all {doc.required} baseline requirements covered" + (f" (+ {doc.name}.pdf)" if doc.pdf else ""))
            for clause_id, reason in doc.skipped:
                if "exclude_clauses" in reason and not quiet:
                    click.echo(f"    left out: {clause_id} ({reason})")
        for warning in result.warnings:
            click.echo(f"warning: {warning}", err=True)
        codes.append(EXIT_GAPS if result.gaps else EXIT_OK)

    results = build_many(
        paths,
        jobs=jobs or os.cpu_count() or 1,
        on_result=report,
        out_dir=output,
        only=only_list,
        force=force,
        date=date.date() if date else None,
        templates_dir=templates,
        pdf=pdf,
    )
    if bar is not None:
        bar.render_finish()
    code = _worst(codes)
    if len(results) > 1 and not quiet:
        failed = sum(1 for r in results if r.error is not None)
        written = sum(len(r.documents) for r in results)
        click.echo(f"built {written} document(s) for {len(results) - failed} of {len(results)} profile(s)")
    if code != EXIT_OK:
        click.get_current_context().exit(code)


def _expand_profiles(paths) -> list[str]:
    """Profile paths, with folders replaced by the .yaml/.yml files inside them (sorted)."""
    from pathlib import Path

    out: list[str] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            found = sorted(list(p.glob("*.yaml")) + list(p.glob("*.yml")))
            if not found:
                raise InvalidInputError(f"{item} is a folder with no .yaml profiles in it")
            out.extend(str(f) for f in found)
        else:
            out.append(item)
    return out


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    cli(prog_name="msp-docs")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
