"""The msp-docs command line: parse options, call the library, print results.

This module imports no docx, docxtpl, lxml or cerberus at start-up (so ``--help`` is instant);
each command imports what it needs. Exit codes are mapped in one place, MspDocsGroup.
"""

from __future__ import annotations

import os
import sys

import click

from msp_docs import __version__, interrupt
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
            interrupt.ignore_further()  # a second Ctrl+C must not cut this message or the exit short
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


@cli.command()
@click.option("--baseline", "baseline", type=click.Choice(["policy", "procedure", "contract", "self-assessment", "leaflet"]), help="List only the requirements this kind of document must cover.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
def requirements(baseline: str | None, fmt: str) -> None:
    """List the statutory paragraphs and themes msp-docs knows, and which baselines need them.

    Paragraph ids are guidance paragraph numbers (14.13, 14.55-14.61; 2014-14.29 for the
    October 2014 numbering the original checklist used); theme ids are words.

    \b
    Example:
      msp-docs requirements --baseline contract
      msp-docs requirements --format json > requirements.json
    """
    import json

    from msp_docs.catalogue import load_catalogue

    catalogue = load_catalogue()
    items = catalogue.to_json(baseline)
    if fmt == "json":
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    for kind, heading in (("paragraph", "Guidance paragraphs"), ("theme", "Themes")):
        rows = [i for i in items if i["kind"] == kind]
        if not rows:
            continue
        click.echo(f"{heading} ({len(rows)}):")
        for item in rows:
            extra = ""
            if kind == "paragraph":
                extra = f"  [{item['edition']} numbering; {item['verification']}]"
            click.echo(f"  {item['id']:<14} {item['title']}{extra}")
            click.echo(f"  {'':<14} baselines: {', '.join(item['baselines']) or '-'}")
        click.echo("")


@cli.command()
@click.option("--document", "document", type=click.Choice(["policy", "procedure", "contract", "self-assessment", "leaflet"]), help="List only the clauses of this kind of document.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
def clauses(document: str | None, fmt: str) -> None:
    """List the clause library: each clause's id, title, documents, services and what it covers.

    \b
    Example:
      msp-docs clauses --document contract
    """
    import json

    from msp_docs.clauses import load_library

    library = load_library()
    chosen = [c for c in library.clauses.values() if document is None or document in c.documents]
    chosen.sort(key=lambda c: (c.documents[0], c.order, c.id))
    if fmt == "json":
        click.echo(json.dumps([c.to_json() for c in chosen], ensure_ascii=False, indent=2))
        return
    for clause in chosen:
        services = f" [{', '.join(clause.services)}]" if clause.services else ""
        condition = f" (only when: {clause.condition})" if clause.condition else ""
        click.echo(f"{clause.id:<28} {clause.title}{services}{condition}")
        click.echo(f"{'':<28} documents: {', '.join(clause.documents)}; covers: {', '.join(clause.covers)}")


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--baseline", "baseline", type=click.Choice(["auto", "policy", "procedure", "contract", "self-assessment", "leaflet"]), default="auto", show_default=True, help="What the document must cover; auto reads it from msp-docs documents or guesses from the title.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown", "html", "csv", "docx"]), default="text", show_default=True, help="Report format; html and csv give a matrix of documents by requirements.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=str), help="Write the report to this file instead of the screen (needed for docx).")
@click.option("--edition", "edition", type=click.Choice(["2014", "2017"]), default="2017", show_default=True, help="Numbering of the guidance the documents cite (2014: the October 2014 numbering).")
@click.option("--force", is_flag=True, help="Replace the report file if it exists.")
@click.option("-j", "--jobs", "jobs", type=click.IntRange(min=1), default=None, help="Documents to read at once (default: the number of CPUs).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def check(files, baseline, fmt, output, edition, force, jobs, quiet) -> None:
    """Check policies or specifications (docx, pdf, txt, md) for coverage of the guidance.

    Reports, for every statutory paragraph and theme, whether each document
    covers it, with quoted evidence and where it is. Exits 0 when every
    required requirement is covered, 3 when there are gaps, 2 on bad input.

    \b
    Example:
      msp-docs check provider-policy.docx
      msp-docs check specs/ --baseline contract --format html -o coverage.html
    """
    from msp_docs.check import check_many
    from msp_docs.report import render
    from msp_docs.write import write_atomic

    paths = _expand_documents(files)
    if fmt == "docx" and not output:
        raise click.UsageError("--format docx writes a Word file: give its name with -o REPORT.docx")
    if output:
        from msp_docs.write import refuse_existing

        refuse_existing([output], force)
    bar = _progress(len(paths), "Checking", quiet)
    outcomes = check_many(paths, baseline=baseline, edition=edition, jobs=jobs or os.cpu_count() or 1, on_result=(lambda _r: bar.update(1)) if bar else None)
    if bar is not None:
        bar.render_finish()
    reports = [o.report for o in outcomes if o.report is not None]
    codes = []
    for outcome in outcomes:
        if outcome.error is not None:
            click.echo(f"error: {outcome.error}", err=True)
            codes.append(_exit_code_for(outcome.error))
        else:
            codes.append(EXIT_GAPS if outcome.report.gaps else EXIT_OK)
    if reports:
        data = render(reports, fmt)
        if output:
            write_atomic(output, data, force=force)
            click.echo(f"wrote {output} ({len(reports)} document(s))", err=True)
        else:
            click.echo(data.decode("utf-8"), nl=False)
    code = _worst(codes)
    if code != EXIT_OK:
        click.get_current_context().exit(code)


@cli.command()
@click.argument("document", type=click.Path(path_type=str))
@click.option("--profile", "profile", required=True, type=click.Path(path_type=str), help="Your organisation's profile (YAML): the letterhead, who signs, whose name the comments carry.")
@click.option("--baseline", "baseline", type=click.Choice(["auto", "policy", "procedure", "contract", "self-assessment", "leaflet"]), default="auto", show_default=True, help="What the document must cover; auto reads it from msp-docs documents or guesses from the title.")
@click.option("--edition", "edition", type=click.Choice(["2014", "2017"]), default="2017", show_default=True, help="Numbering of the guidance the document cites (2014: the October 2014 numbering).")
@click.option("--respond-by", "respond_by", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date the provider should reply by (default: the profile's review.respond_within_days, else 28 days after --date).")
@click.option("--to", "to", metavar="NAME", help="The provider the letter is addressed to (default: read from the document's title or author).")
@click.option("--date", "date", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date of the review, the comments and the letter (default: today); the same input, profile and date give identical files.")
@click.option("-o", "--output", "output", default=".", show_default=True, type=click.Path(file_okay=False, path_type=str), help="Folder to write NAME-reviewed.docx and NAME-letter.docx into.")
@click.option("--templates", "templates", type=click.Path(file_okay=False, exists=True, path_type=str), help="Folder of your own Word templates (with your letter.docx).")
@click.option("--force", is_flag=True, help="Replace the output files if they exist.")
def review(document, profile, baseline, edition, respond_by, to, date, output, templates, force) -> None:
    """Send a provider's document back with comments at the evidence, and a letter asking for what is missing.

    Writes NAME-reviewed.docx (a copy of the Word document with a comment on
    each passage used as evidence and a summary at the start; everything else
    kept) and NAME-letter.docx (from your organisation: what was checked and
    covered, a request for each gap, and a reply form). A .pdf, .txt or .md
    gets the letter only. The input is never changed. Exits 3 when the
    document has gaps (the letter then asks for them), 0 when it has none.

    \b
    Example:
      msp-docs review provider-policy.docx --profile our-council.yaml \\
        --respond-by 2026-09-30 -o reviews/
    """
    from msp_docs.review import output_paths, review_document
    from msp_docs.write import refuse_existing, write_atomic

    result = review_document(
        document,
        profile,
        baseline=baseline,
        edition=edition,
        date=date.date() if date else None,
        respond_by=respond_by.date() if respond_by else None,
        to=to,
        templates_dir=templates,
    )
    reviewed_path, letter_path = output_paths(document, output)
    targets = ([reviewed_path] if result.reviewed is not None else []) + [letter_path]
    refuse_existing(targets, force)
    if result.reviewed is not None:
        write_atomic(reviewed_path, result.reviewed, force=force)
        at_evidence = sum(c.passage is not None for c in result.comments)
        kept = f"; the {result.existing_comments} comment(s) it had are kept" if result.existing_comments else ""
        click.echo(f"wrote {reviewed_path}: a summary comment and {at_evidence} comment(s) at the evidence{kept}")
    write_atomic(letter_path, result.letter, force=force)
    if result.reviewed is None:
        click.echo(f"no marked-up copy of {document}: {result.no_copy_reason}", err=True)
    if result.provider_source == "not known":
        where = " (the document does not say whose it is; give the name with --to)"
    else:
        where = "" if result.provider_source == "--to" else f" (from {result.provider_source}; use --to to change it)"
    click.echo(f"wrote {letter_path}: to {result.provider}{where}, {len(result.gaps)} request(s), reply by {result.respond_by.isoformat()}")
    s = result.report.summary
    click.echo(f"{s['covered']} of {s['required']} required covered, {s['partial']} partial, {s['missing']} missing (baseline: {result.report.baseline})")
    if result.gaps:
        click.get_current_context().exit(EXIT_GAPS)


@cli.command("add-clauses")
@click.argument("contract", type=click.Path(path_type=str))
@click.option("--service", "service", required=True, help="Contracted service in the profile whose schedule to add (repairs, gas, building-management, ...).")
@click.option("--profile", "profile", required=True, type=click.Path(path_type=str), help="Organisation profile (YAML) with the contract's details.")
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=str), help="Where to write the contract with the schedule (never the input file).")
@click.option("--after", "after", metavar="HEADING TEXT", help="Insert after the section that starts with this heading (default: at the end).")
@click.option("--title", "title", help='Heading for the schedule, e.g. "Schedule 9 - Safeguarding".')
@click.option("--replace", is_flag=True, help="Replace a schedule msp-docs added before instead of refusing.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it already exists.")
@click.option("--date", "date", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date used in the schedule's wording (default: today).")
def add_clauses(contract, service, profile, output, after, title, replace, force, date) -> None:
    """Add the safeguarding schedule for a service to an existing Word contract.

    Everything in the contract is kept (numbering, headers, footers, tables,
    tracked changes, comments, footnotes, images); the schedule takes the
    contract's own styles and numbers its clauses on its own. The input file is
    never changed.

    \b
    Example:
      msp-docs add-clauses repairs.docx --service repairs --profile my-org.yaml \\
        -o repairs-with-safeguarding.docx --after "Schedule 8 - Insurance" \\
        --title "Schedule 9 - Safeguarding"
    """
    from pathlib import Path

    from msp_docs.compose import add_schedule
    from msp_docs.write import write_atomic

    source, target = Path(contract), Path(output)
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise InvalidInputError("-o names the input contract; add-clauses never changes its input. Give a new file name")
    if not force and target.exists():
        from msp_docs.write import refuse_existing

        refuse_existing([target], force)
    result = add_schedule(contract, profile_path=profile, service=service, after=after, title=title, replace=replace, date=date.date() if date else None)
    write_atomic(target, result.data, force=force)
    where = f'after the section "{result.inserted_after}"' if result.inserted_after else ("in place of the old one" if result.replaced else "at the end")
    click.echo(f"wrote {target}: {result.clauses} safeguarding clauses inserted {where}")
    if result.uncovered:
        click.echo(f"the schedule does not cover: {', '.join(result.uncovered)}", err=True)
        click.get_current_context().exit(EXIT_GAPS)


@cli.command()
@click.option("--host", "host", default="127.0.0.1", show_default=True, help="Address to listen on. Anything but this computer (127.0.0.1, localhost, ::1) needs --password-file.")
@click.option("--port", "port", type=click.IntRange(min=0, max=65535), default=8765, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--workspace", "workspace", default="msp-docs-workspace", show_default=True, type=click.Path(file_okay=False, path_type=str), help="Folder holding profiles/ and output/, as the other commands use them.")
@click.option("--no-browser", is_flag=True, help="Do not open the web browser.")
@click.option("--password-file", "password_file", type=click.Path(dir_okay=False, path_type=str), help="File whose first line is the password every page asks for.")
def serve(host, port, workspace, no_browser, password_file) -> None:
    """Run msp-docs in your web browser: profile, build, add to a contract, check and review.

    Serves this computer only unless --host is given with --password-file. The
    workspace holds profiles/ and output/ exactly as the commands use them, so the
    browser and the command line can be used side by side. Stop it with Ctrl+C.

    \b
    Example:
      msp-docs serve
      msp-docs serve --workspace ~/safeguarding --port 8800 --no-browser
    """
    from msp_docs.web.server import check_host, read_password_file
    from msp_docs.web.server import serve as run_server

    password = read_password_file(password_file) if password_file else None
    check_host(host, password)

    def announce(address: str) -> None:
        click.echo(f"msp-docs is running at {address} (workspace: {os.path.abspath(workspace)})")
        click.echo("Open that address in your web browser. Press Ctrl+C to stop.", err=True)

    try:
        run_server(workspace, host=host, port=port, password=password, open_browser=not no_browser, announce=announce)
    except KeyboardInterrupt:
        click.echo("msp-docs stopped", err=True)


_DOCUMENT_SUFFIXES = (".docx", ".docm", ".pdf", ".txt", ".md", ".markdown")


def _expand_documents(paths) -> list[str]:
    """Document paths, with folders replaced by the documents inside them (sorted)."""
    return _expand(paths, _DOCUMENT_SUFFIXES, "a folder with no .docx, .pdf, .txt or .md files in it")


def _expand_profiles(paths) -> list[str]:
    """Profile paths, with folders replaced by the .yaml/.yml files inside them (sorted)."""
    return _expand(paths, (".yaml", ".yml"), "a folder with no .yaml profiles in it")


def _expand(paths, suffixes: tuple[str, ...], empty: str) -> list[str]:
    from pathlib import Path

    out: list[str] = []
    for item in paths:
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in suffixes and not f.name.startswith((".", "~$")))
            if not found:
                raise InvalidInputError(f"{item} is {empty}")
            out.extend(str(f) for f in found)
        else:
            out.append(item)
    return out


def main() -> None:
    """Console-script entry point."""
    interrupt.install()  # Ctrl+C and SIGTERM become KeyboardInterrupt, reported by MspDocsGroup
    cli(prog_name="msp-docs")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
