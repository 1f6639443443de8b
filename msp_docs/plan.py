"""Plan a document: choose the clauses for a profile and document kind, and say what they cover.

A plan is plain data: the clauses in order, the ones left out and why, the template context, and
which baseline requirements the chosen clauses cover. Rendering and checking both start from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from msp_docs.clauses import Clause, ClauseLibrary, condition_holds, join_and, load_library
from msp_docs.errors import CatalogueError, OptionError
from msp_docs.profile import Profile


@dataclass(frozen=True)
class DocumentSpec:
    """One document to build for a profile: its kind, file name, title and (for contracts) service."""

    kind: str
    name: str
    title: str
    template: str
    baseline: str
    numbered: bool
    audience: str
    service: str | None = None
    service_title: str | None = None


@dataclass(frozen=True)
class Plan:
    """The clauses chosen for one document and what they cover against its baseline."""

    spec: DocumentSpec
    clauses: tuple[Clause, ...]
    skipped: tuple[tuple[str, str], ...]
    context: Mapping[str, Any] = field(repr=False)
    required: tuple[str, ...] = ()
    covered_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def uncovered(self) -> tuple[str, ...]:
        """Baseline requirements that no chosen clause covers."""
        return tuple(r for r in self.required if not self.covered_by.get(r))


@lru_cache(maxsize=1)
def document_kinds() -> dict:
    """The document kinds and service titles from data/documents.yaml."""
    from ruamel.yaml import YAML

    text = resources.files("msp_docs").joinpath("data", "documents.yaml").read_text(encoding="utf-8")
    return YAML(typ="safe").load(text)


def service_title(service: str) -> str:
    """How a service id is written in titles: gas -> 'Gas servicing and repairs'."""
    known = document_kinds()["services"]
    return known.get(service) or service.replace("-", " ").capitalize()


def documents_for(profile: Profile, only: list[str] | tuple[str, ...] | None = None) -> list[DocumentSpec]:
    """The documents to build for a profile, optionally limited to names such as policy or contract-gas."""
    kinds = document_kinds()["kinds"]
    specs: list[DocumentSpec] = []
    for kind, info in kinds.items():
        if info.get("per_service"):
            for service in profile.services():
                title = service_title(service)
                specs.append(
                    DocumentSpec(
                        kind=kind,
                        name=f"{kind}-{service}",
                        title=info["title"].replace("{service}", title),
                        template=info["template"],
                        baseline=info["baseline"],
                        numbered=bool(info.get("numbered")),
                        audience=info.get("audience", ""),
                        service=service,
                        service_title=title,
                    )
                )
        else:
            specs.append(
                DocumentSpec(
                    kind=kind,
                    name=kind,
                    title=info["title"],
                    template=info["template"],
                    baseline=info["baseline"],
                    numbered=bool(info.get("numbered")),
                    audience=info.get("audience", ""),
                )
            )
    if not only:
        return specs
    wanted: list[DocumentSpec] = []
    names = [s.name for s in specs]
    for item in only:
        matches = [s for s in specs if s.name == item or (item == "contract" and s.kind == "contract")]
        if not matches:
            import difflib

            close = difflib.get_close_matches(item, names + ["contract"], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise OptionError(f"--only: '{item}' is not a document for {profile.name}; choose from {', '.join(names)}{hint}")
        wanted.extend(m for m in matches if m not in wanted)
    return wanted


def review_date(approved: dt.date, months: int) -> dt.date:
    """The approval date plus ``months`` (clamped to the end of a short month)."""
    import calendar

    month_index = approved.month - 1 + months
    year = approved.year + month_index // 12
    month = month_index % 12 + 1
    day = min(approved.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def _cite_function(catalogue, edition: str):
    def cite(*ids: str) -> str:
        numbers = []
        for rid in ids:
            requirement = catalogue.requirements.get(rid)
            if requirement is None or requirement.kind != "paragraph":
                raise CatalogueError(f"cite(): '{rid}' is not a paragraph in the catalogue")
            number = requirement.number
            if edition == "2014" and "2014" not in requirement.editions:
                older = [c for c in requirement.corresponds_to if c.startswith("2014-")]
                # Only a known October 2014 equivalent is printed in that numbering, and it says so.
                number = f"{catalogue.requirements[older[0]].number} (2014 numbering)" if older else number
            numbers.append(number)
        word = "paragraph" if len(numbers) == 1 and "-" not in numbers[0] else "paragraphs"
        return f"CSSG {word} {join_and(numbers)}"

    return cite


def _answer_label(answer: str | None) -> str:
    return {"yes": "Yes", "no": "No", "in-progress": "In progress"}.get(answer or "", "Not answered")


def build_context(profile: Profile, spec: DocumentSpec, date: dt.date | None = None) -> dict[str, Any]:
    """The variables clause bodies and Word templates can use (documented in docs/clauses.md)."""
    from msp_docs.catalogue import load_catalogue

    catalogue = load_catalogue()
    data = profile.data
    governance = data["governance"]
    issued = date or governance["approval_date"]
    service = None
    landlord = data["organisation"]["name"]
    contractor = None
    if spec.service:
        service = next(c for c in data["contracts"] if c["service"] == spec.service)
        landlord = service["client"] or data["organisation"]["name"]
        contractor = service["contractor"]
    edition = data["documents"]["cite_edition"]
    return {
        "profile": data,
        "org": data["organisation"],
        "organisation": data["organisation"],
        "people": data["people"],
        "areas": data["areas"],
        "workforce": data["workforce"],
        "records": data["records"],
        "routes": data["routes"],
        "contracts": data["contracts"],
        "governance": governance,
        "self_assessment": data["self_assessment"],
        "document": {
            "kind": spec.kind,
            "name": spec.name,
            "title": spec.title,
            "audience": spec.audience,
            "date": issued,
            "approval_date": governance["approval_date"],
            "review_date": review_date(governance["approval_date"], governance["review_interval_months"]),
            "version": governance["policy_version"],
        },
        "service": service,
        "service_title": spec.service_title,
        "landlord": landlord,
        "contractor": contractor,
        "is_contractor": data["organisation"]["kind"] == "contractor",
        "references": tuple(
            catalogue.requirements[rid]
            for rid in catalogue.baseline(spec.baseline)
            if catalogue.requirements[rid].kind == "paragraph"
        ),
        "law": catalogue.law,
        "checklist": catalogue.checklist,
        "msp_steps": catalogue.msp_steps,
        "cite": _cite_function(catalogue, edition),
        "answer_label": _answer_label,
    }


def plan_document(profile: Profile, spec: DocumentSpec, date: dt.date | None = None, library: ClauseLibrary | None = None) -> Plan:
    """Choose the clauses for one document and work out what they cover against its baseline."""
    from msp_docs.catalogue import load_catalogue

    library = library or load_library()
    catalogue = load_catalogue()
    context = build_context(profile, spec, date)
    excluded = set(profile.data["documents"]["exclude_clauses"])
    unknown = excluded - set(library.clauses)
    if unknown:
        library.get(sorted(unknown)[0])  # raises OptionError with a suggestion
    chosen: list[Clause] = []
    skipped: list[tuple[str, str]] = []
    for clause in library.for_document(spec.kind, spec.service):
        if clause.id in excluded:
            skipped.append((clause.id, "left out by documents.exclude_clauses in the profile"))
        elif not condition_holds(clause, context):
            skipped.append((clause.id, f"its condition does not hold for this profile ({clause.condition})"))
        else:
            chosen.append(clause)
    required = catalogue.baseline(spec.baseline)
    covered: dict[str, list[str]] = {}
    for clause in chosen:
        for rid in clause.covers:
            covered.setdefault(rid, []).append(clause.id)
    return Plan(
        spec=spec,
        clauses=tuple(chosen),
        skipped=tuple(skipped),
        context=context,
        required=tuple(required),
        covered_by={k: tuple(v) for k, v in covered.items()},
    )
