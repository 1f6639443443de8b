"""The organisation profile: read a YAML file, validate it with Cerberus, return a frozen Profile.

Every problem is reported at once, each naming file, line and field and saying what is expected.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from msp_docs import yamlfile
from msp_docs.errors import Problem, ProfileError

KINDS = ("housing-association", "local-authority", "almo", "supported-housing", "contractor")

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_PHONE = re.compile(r"^\+?[0-9 ()\-.]{3,40}(?:\s*(?:ext\.?|extension|x)\s*[0-9]{1,6})?$", re.IGNORECASE)
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_CLAUSE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# Characters Word cannot store (XML 1.0) or that would change meaning in a template. A carriage
# return (only ever typed as the escape "\r") is one: XML readers turn it into a line feed, so it
# could not be printed as typed; a line break is written with a YAML block (|) or "\n".
_BAD_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
MAX_TEXT = 10_000


def _data_file(name: str):
    return resources.files("msp_docs").joinpath("data", name)


@lru_cache(maxsize=None)
def schema_document() -> dict:
    """The profile schema file as plain data (with ``definitions`` and ``schema``)."""
    return _schema_entry()["document"]


@lru_cache(maxsize=None)
def _schema_entry() -> dict:
    """The schema file parsed, and whether Cerberus has accepted it, from the user's cache when it can.

    Cerberus checks a schema against its own rules whenever a validator is made (about 0.1 s);
    the answer is the same for the same schema file and Cerberus version, so it is remembered
    with the parsed file (``msp_docs.cache``), keyed by both.
    """
    import cerberus

    from msp_docs import cache

    text = _data_file("profile-schema.yaml").read_text(encoding="utf-8")
    key = cache.files_digest("profile-schema", {"profile-schema.yaml": text}, cerberus.__version__)
    entry = cache.read_data("profile-schema", key)
    if isinstance(entry, dict) and isinstance(entry.get("document"), dict) and entry.get("accepted") is True:
        return {**entry, "key": key}
    from ruamel.yaml import YAML

    return {"document": YAML(typ="safe").load(text), "accepted": False, "key": key}


@lru_cache(maxsize=None)
def _schema_for_validators():
    """The Cerberus schema ready for validators: checked by Cerberus once per version of the file."""
    from msp_docs import cache

    entry = _schema_entry()
    cls = _validator_class()
    if not entry["accepted"]:
        schema = cls(_cerberus_schema()).schema  # Cerberus checks it (SchemaError if it is broken)
        cache.write_data("profile-schema", entry["key"], {"document": entry["document"], "accepted": True})
        return schema
    return _accepted_schema()


def _accepted_schema():
    """The profile schema for validators, without Cerberus' check of the schema itself."""
    from cerberus.schema import DefinitionSchema

    class AcceptedSchema(DefinitionSchema):
        """A schema Cerberus has already accepted (same file, same Cerberus): not checked again."""

        def validate(self, schema=None):
            pass

    return AcceptedSchema(_validator_class()(), _cerberus_schema())


@lru_cache(maxsize=None)
def checklist_item_ids() -> tuple[str, ...]:
    """Ids of the self-assessment checklist items a profile may answer."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(_data_file("catalogue/checklist.yaml").read_text(encoding="utf-8"))
    return tuple(str(item["id"]) for item in data["items"])


def _cerberus_schema() -> dict:
    return schema_document()["schema"]


def _validator_class():
    import cerberus

    class ProfileValidator(cerberus.Validator):
        """Cerberus validator with the named checks and coercions the schema file uses."""

        @property
        def base_dir(self) -> Path | None:
            # Extra keyword arguments live in _config, which Cerberus hands on to child validators.
            return self._config.get("base_dir")

        def _normalize_coerce_integer(self, value):
            if isinstance(value, bool):
                raise ValueError("not a whole number")
            if isinstance(value, int):
                return value
            if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,9}\s*", value):
                return int(value)
            raise ValueError("not a whole number")

        def _normalize_coerce_date(self, value):
            if isinstance(value, dt.date):
                return value
            if isinstance(value, str):
                return dt.date.fromisoformat(value.strip())
            raise ValueError("not a date")

        def _check_with_email(self, field, value):
            if isinstance(value, str) and not _EMAIL.match(value):
                self._error(field, f"'{value}' is not an email address; write it like name@example.org.uk")

        def _check_with_phone(self, field, value):
            if isinstance(value, str):
                digits = sum(c.isdigit() for c in value)
                if not _PHONE.match(value) or digits < 3 or digits > 16:
                    self._error(field, f"'{value}' is not a phone number; use digits, spaces and an optional leading +, for example 01632 960 118")

        def _check_with_url(self, field, value):
            if isinstance(value, str) and not _URL.match(value):
                self._error(field, f"'{value}' is not a web address; start it with https://")

        def _check_with_slug(self, field, value):
            if isinstance(value, str) and not _SLUG.match(value):
                self._error(field, f"'{value}' is not a short id; use lower-case letters, digits and hyphens, for example building-management")

        def _check_with_clause_id(self, field, value):
            if not isinstance(value, str):
                return
            if not _CLAUSE_ID.match(value):
                self._error(field, f"'{value}' is not a clause id; list them with `msp-docs clauses`")
                return
            # Checked here, not only when documents are planned, so that validate catches it and
            # the message names the file, line and field.
            from msp_docs.clauses import load_library

            known = load_library().clauses
            if value not in known:
                hint = _did_you_mean(value, known) or "; list them with `msp-docs clauses`"
                self._error(field, f"'{value}' is not a clause in the library{hint}")

        def _check_with_checklist_item(self, field, value):
            ids = checklist_item_ids()
            if value not in ids:
                hint = _did_you_mean(str(value), ids)
                self._error(field, f"'{value}' is not a checklist item; use one of {', '.join(ids)}{hint}")

        def _check_with_contact_route(self, field, value):
            if isinstance(value, Mapping) and not any(value.get(k) for k in ("phone", "email", "online_form")):
                self._error(field, "needs at least one of phone, email or online_form")

        def _check_with_image_path(self, field, value):
            if not isinstance(value, str):
                return
            path = Path(value)
            if self.base_dir is not None and not path.is_absolute():
                path = self.base_dir / path
            if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
                self._error(field, f"'{value}' is not a PNG or JPEG file; use a .png or .jpg logo")
                return
            try:
                head = path.read_bytes()[:8] if path.stat().st_size <= 5_000_000 else None
            except OSError:
                self._error(field, f"'{value}' was not found (paths are relative to the profile file)")
                return
            if head is None:
                self._error(field, f"'{value}' is larger than 5 MB; use a smaller logo")
            elif not (head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff")):
                self._error(field, f"'{value}' is not a readable PNG or JPEG image")

    return ProfileValidator


@dataclass(frozen=True)
class Profile:
    """A validated organisation profile: frozen data plus where it came from."""

    path: str
    data: "FrozenMap"
    lines: Mapping[tuple, int]

    @property
    def name(self) -> str:
        """The organisation's name."""
        return self.data["organisation"]["name"]

    @property
    def slug(self) -> str:
        """Folder name for this organisation's documents."""
        return self.data["organisation"]["slug"] or slugify(self.name)

    @property
    def base_dir(self) -> Path:
        """The folder the profile file is in (logo paths are relative to it)."""
        return Path(self.path).resolve().parent

    def services(self) -> list[str]:
        """The contracted services, in profile order, without duplicates."""
        seen: list[str] = []
        for contract in self.data["contracts"]:
            if contract["service"] not in seen:
                seen.append(contract["service"])
        return seen


class FrozenMap(Mapping):
    """A read-only mapping that knows its field path, so template errors can name the field."""

    __slots__ = ("_data", "_path")

    def __init__(self, data: dict, path: str) -> None:
        self._data = data
        self._path = path

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenMap({self._path!r})"

    @property
    def field_path(self) -> str:
        """Dotted path of this mapping inside the profile, e.g. ``people.operational_lead``."""
        return self._path


def freeze(value: Any, path: str = "") -> Any:
    """Turn plain data into FrozenMap and tuples, recursively."""
    if isinstance(value, dict):
        return FrozenMap({k: freeze(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}, path)
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v, f"{path}[{i}]") for i, v in enumerate(value))
    return value


def thaw(value: Any) -> Any:
    """Turn frozen data back into plain dicts and lists (for JSON and for mutation in tests)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


def slugify(name: str) -> str:
    """A folder-safe ASCII slug for an organisation name; falls back to a short hash."""
    text = unicodedata.normalize("NFKD", name.replace("&", " and "))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"['’]", "", text)
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    text = text[:60].rstrip("-")
    if not text:
        text = "organisation-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return text


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile file; raise ProfileError listing every problem."""
    file = str(path)
    try:
        doc = yamlfile.load(path, what="profile")
    except yamlfile.YamlReadError as err:
        raise ProfileError(f"{file}: the profile cannot be read", problems=[err.problem]) from None
    return validate_data(doc.data, doc.lines, file)


def validate_data(data: Any, lines: Mapping[tuple, int], file: str) -> Profile:
    """Validate plain profile data (as read from ``file``) and return a frozen Profile."""
    locate = yamlfile.YamlDocument(data=data, lines=dict(lines), file=file)
    if not isinstance(data, dict):
        raise ProfileError(
            f"{file}: the profile is not valid",
            problems=[Problem(file, 1, None, "must be a mapping of fields (organisation:, people:, ...), not a single value or a list")],
        )
    problems = _text_problems(data, (), locate)
    validator = _validator_class()(_schema_for_validators(), base_dir=Path(file).resolve().parent)
    if not validator.validate(data):
        problems.extend(_translate(validator, locate))
    problems.extend(_date_problems(validator.document or {}, (), locate))
    if problems:
        problems = _dedupe(_drop_missing_explained_by_typos(problems))
        problems.sort(key=lambda p: (p.line or 0, p.field or ""))
        count = len(problems)
        raise ProfileError(f"{file}: {count} problem{'s' if count != 1 else ''} in this profile", problems=problems)
    normal = validator.document
    return Profile(path=file, data=freeze(normal), lines=dict(lines))


def _drop_missing_explained_by_typos(problems: list[Problem]) -> list[Problem]:
    """Drop "x is missing" when an unknown key next to it is a near miss for x (one message is enough)."""
    suggested = set()
    for p in problems:
        if p.field and "; did you mean '" in p.message and p.message.startswith("unknown field"):
            parent = p.field.rsplit(".", 1)[0] if "." in p.field else ""
            name = p.message.split("; did you mean '")[1].split("'")[0]
            suggested.add(f"{parent}.{name}" if parent else name)
    return [p for p in problems if not (p.field in suggested and p.message.startswith("is missing"))]


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.line, p.field, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _field_name(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _text_problems(value: Any, path: tuple, locate) -> list[Problem]:
    """Control characters and over-long text, anywhere in the profile."""
    problems: list[Problem] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if _BAD_CHARS.search(k):
                problems.append(Problem(locate.file, locate.line_of(path), _field_name(path) or None, f"a key contains a control character ({_show_char(k)}); retype it"))
            problems.extend(_text_problems(v, path + (k,), locate))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            problems.extend(_text_problems(v, path + (i,), locate))
    elif isinstance(value, str):
        bad = _BAD_CHARS.search(value)
        if bad:
            problems.append(
                Problem(locate.file, locate.line_of(path), _field_name(path), f"contains a control character ({_show_char(bad.group())}) that Word cannot show; delete it and retype the text")
            )
        elif len(value) > MAX_TEXT:
            problems.append(Problem(locate.file, locate.line_of(path), _field_name(path), f"is {len(value):,} characters long; the limit is {MAX_TEXT:,}"))
    return problems


# Dates a profile can mean: a review date is worked out by adding months, and documents print
# them as years; year 1 or 9999 is a typing mistake (and 9999 made the review date overflow).
_FIRST_YEAR, _LAST_YEAR = 1900, 2999


def _date_problems(value: Any, path: tuple, locate) -> list[Problem]:
    """Dates outside the years a profile can mean, anywhere in the (coerced) profile."""
    problems: list[Problem] = []
    if isinstance(value, dict):
        for k, v in value.items():
            problems.extend(_date_problems(v, path + (k,), locate))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            problems.extend(_date_problems(v, path + (i,), locate))
    elif isinstance(value, dt.date) and not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        problems.append(
            Problem(locate.file, locate.line_of(path), _field_name(path), f"{value.isoformat()} is not a year between {_FIRST_YEAR} and {_LAST_YEAR}; check the year")
        )
    return problems


def _show_char(text: str) -> str:
    for ch in text:
        if _BAD_CHARS.match(ch):
            return f"U+{ord(ch):04X}"
    return "?"


def _leaf_errors(errors):
    for error in errors:
        if error.is_group_error and error.child_errors:
            yield from _leaf_errors(error.child_errors)
        else:
            yield error


def _schema_at(path: tuple) -> dict | None:
    """The Cerberus rules for the field at ``path`` (list indexes step into the item schema)."""
    rules: dict | None = {"type": "dict", "schema": _cerberus_schema()}
    for part in path:
        if rules is None:
            return None
        if isinstance(part, int):
            rules = rules.get("schema") if rules.get("type") == "list" else None
        else:
            if "schema" in rules and rules.get("type") == "dict":
                rules = rules["schema"].get(part)
            elif "valuesrules" in rules:
                rules = rules["valuesrules"]
            else:
                return None
    return rules


def _describe(rules: dict | None) -> str:
    meta = (rules or {}).get("meta") or {}
    text = meta.get("description", "")
    if "example" in meta and not isinstance(meta["example"], (dict, list)):
        example = meta["example"]
        example = str(example).lower() if isinstance(example, bool) else str(example).splitlines()[0]
        text = f"{text} For example: {example}" if text else f"for example: {example}"
    return text


def _did_you_mean(word: str, choices) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "dict": "a block of fields",
    "list": "a list (lines starting with '-')",
    "date": "a date (YYYY-MM-DD)",
}


def _show_value(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a block of fields"
    if isinstance(value, list):
        return "a list"
    text = str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"'{text}'"


def _translate(validator, locate) -> list[Problem]:
    from cerberus import errors as cerr

    problems: list[Problem] = []
    leaves = list(_leaf_errors(validator._errors))
    coerce_failed = {tuple(e.document_path) for e in leaves if e.code == cerr.COERCION_FAILED.code}
    for error in leaves:
        path = tuple(error.document_path)
        if error.code == cerr.BAD_TYPE.code and path in coerce_failed:
            continue  # the coercion message says the same thing more helpfully
        field = _field_name(path)
        line = locate.line_of(path)
        rules = _schema_at(path)
        code = error.code
        if code == cerr.UNKNOWN_FIELD.code:
            parent = _schema_at(path[:-1]) or {}
            choices = list((parent.get("schema") or {}).keys()) if isinstance(parent.get("schema"), dict) else []
            hint = _did_you_mean(str(path[-1]), choices)
            known = f" (known fields here: {', '.join(choices)})" if choices and not hint else ""
            message = f"unknown field '{path[-1]}'{hint}{known}"
            if " " in str(path[-1]).strip():
                message += "; if this is the end of a value that contains a comma inside { }, put the whole value in quotes"
        elif code == cerr.REQUIRED_FIELD.code:
            line = locate.line_of(path[:-1])
            description = _describe(rules)
            message = "is missing; add it" + (f" ({description})" if description else "")
        elif code == cerr.BAD_TYPE.code:
            want = _TYPE_WORDS.get(error.constraint if isinstance(error.constraint, str) else error.constraint[0], str(error.constraint))
            message = f"is {_show_value(error.value)}, but must be {want}"
        elif code in (cerr.EMPTY_NOT_ALLOWED.code, cerr.NOT_NULLABLE.code):
            description = _describe(rules)
            message = "is empty; fill it in" + (f" ({description})" if description else "")
        elif code == cerr.UNALLOWED_VALUE.code:
            allowed = [str(a) for a in error.constraint]
            message = f"{_show_value(error.value)} is not allowed; use one of: {', '.join(allowed)}{_did_you_mean(str(error.value), allowed)}"
        elif code == cerr.COERCION_FAILED.code:
            want = "a date written as YYYY-MM-DD, for example 2026-04-01" if (rules or {}).get("coerce") == "date" else "a whole number, for example 12"
            message = f"{_show_value(error.value)} is not {want}"
        elif code in (cerr.MIN_VALUE.code, cerr.MAX_VALUE.code):
            message = f"{_show_value(error.value)} is out of range; use a number from {(rules or {}).get('min', '?')} to {(rules or {}).get('max', '?')}"
        elif code == cerr.MIN_LENGTH.code:
            what = "item" if isinstance(error.value, list) else "character"
            message = f"needs at least {error.constraint} {what}{'s' if error.constraint != 1 else ''}"
        elif code == cerr.MAX_LENGTH.code:
            what = "items" if isinstance(error.value, list) else "characters"
            message = f"is too long; the limit is {error.constraint:,} {what}"
        elif code == cerr.CUSTOM.code and error.info:
            message = str(error.info[0])
        else:
            message = f"is not valid ({error.rule}: {error.constraint})"
        problems.append(Problem(locate.file, line, field or None, message))
    return problems


def starter_profile(kind: str = "housing-association") -> str:
    """The commented starter profile, with ``organisation.kind`` set to ``kind``."""
    if kind not in KINDS:
        raise ValueError(kind)
    text = _data_file("starter-profile.yaml").read_text(encoding="utf-8")
    return re.sub(r"(?m)^(  kind: )housing-association\b", rf"\g<1>{kind}", text, count=1)


def profile_reference() -> str:
    """docs/profile.md: every profile field with its type, whether it is required and its description."""
    lines = [
        "# Organisation profile reference",
        "",
        "<!-- Generated from msp_docs/data/profile-schema.yaml by",
        '     python -c "from msp_docs.profile import profile_reference; print(profile_reference(), end=\'\')" > docs/profile.md',
        "     A test fails when this file is out of date. -->",
        "",
        "A profile is a YAML file; `msp-docs init FILE` writes a commented starter. Fields marked",
        "*required* must be present; optional fields may be left out (they are then empty).",
        "Unknown fields are errors, so a misspelt field name is caught.",
        "",
        "| Field | Type | Required | Description |",
        "|---|---|---|---|",
    ]

    def kind_of(rules: dict) -> str:
        kind = rules.get("type", "")
        if kind == "list":
            inner = rules.get("schema", {})
            return f"list of {kind_of(inner) if isinstance(inner, dict) and 'type' in inner else 'items'}"
        words = {"string": "text", "integer": "whole number", "boolean": "true/false", "dict": "block", "date": "date (YYYY-MM-DD)"}
        text = words.get(kind, kind)
        if "allowed" in rules and kind == "string":
            text += ": " + ", ".join(f"`{a}`" for a in rules["allowed"])
        return text

    def walk(schema: dict, prefix: str) -> None:
        for name, rules in schema.items():
            path = f"{prefix}.{name}" if prefix else name
            meta = rules.get("meta") or {}
            description = str(meta.get("description", "")).replace("|", "\\|")
            example = meta.get("example")
            if example not in (None, [], {}) and rules.get("type") not in ("dict",):
                shown = ", ".join(map(str, example)) if isinstance(example, list) else str(example).lower() if isinstance(example, bool) else str(example).splitlines()[0]
                description += f" Example: `{shown}`."
            required = "required" if rules.get("required") else ""
            lines.append(f"| `{path}` | {kind_of(rules)} | {required} | {description.strip()} |")
            if rules.get("type") == "dict" and isinstance(rules.get("schema"), dict):
                walk(rules["schema"], path)
            elif rules.get("type") == "list" and isinstance(rules.get("schema"), dict) and rules["schema"].get("type") == "dict":
                walk(rules["schema"].get("schema", {}), f"{path}[]")
            elif "valuesrules" in rules:
                walk(rules["valuesrules"].get("schema", {}), f"{path}.<item>")

    walk(_cerberus_schema(), "")
    lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the profile as fields
#
# A form (the web app's profile page) is generated from the schema, never written by hand: each
# field's label, hint, kind and choices come from here, and what a form sends comes back as
# profile data through profile_from_form, so the same validation and messages apply.

TEXTAREA_LENGTH = 2000  # text fields allowed this long or longer are written in a box of several lines


@dataclass(frozen=True)
class FormField:
    """One field of the profile as a form shows it, described by the schema.

    ``kind`` is one of: ``text``, ``textarea``, ``number``, ``date``, ``boolean``, ``choice`` (one
    of ``choices``), ``checkboxes`` (a list of ``choices``), ``lines`` (a list of text, one a line),
    ``fixed`` (a single allowed value), ``group`` (a block of ``children``), ``rows`` (a list of
    blocks, each with ``children``) and ``keyed`` (a block per key in ``keys``, each with
    ``children``: the self-assessment answers). ``check`` names the schema's check
    (``email``, ``phone``, ``url``, ...).
    """

    name: str
    label: str
    hint: str
    kind: str
    required: bool = False
    optional_group: bool = False
    choices: tuple[str, ...] = ()
    children: tuple["FormField", ...] = ()
    keys: tuple[tuple[str, str, str], ...] = ()  # (key, question, group) for ``keyed``
    item_label: str = "Item"
    check: str | None = None
    maxlength: int | None = None
    default: Any = None
    value_type: str | None = None  # the schema's type: string, integer, boolean, date, dict, list


@lru_cache(maxsize=1)
def form_fields() -> tuple[FormField, ...]:
    """Every field of the profile, in schema order, as a tree of FormField."""
    return tuple(_form_field(name, rules) for name, rules in _cerberus_schema().items())


@lru_cache(maxsize=None)
def checklist_questions() -> tuple[tuple[str, str, str], ...]:
    """(id, question, group) for each self-assessment checklist item, in checklist order."""
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(_data_file("catalogue/checklist.yaml").read_text(encoding="utf-8"))
    return tuple((str(item["id"]), str(item["question"]), str(item.get("group", ""))) for item in data["items"])


def _humanise(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _hint(rules: dict) -> str:
    meta = rules.get("meta") or {}
    text = str(meta.get("description", "")).strip()
    example = meta.get("example")
    if example in (None, [], {}) or isinstance(example, bool) or rules.get("allowed") or rules.get("type") == "dict":
        return text
    shown = ", ".join(map(str, example)) if isinstance(example, list) else ", ".join(str(example).splitlines())
    return f"{text} For example: {shown}" if text else f"For example: {shown}"


def _form_field(name: str, rules: dict) -> FormField:
    meta = rules.get("meta") or {}
    common = {
        "name": name,
        "label": str(meta.get("label") or _humanise(name)),
        "hint": _hint(rules),
        "required": bool(rules.get("required")),
        "check": rules.get("check_with"),
        "maxlength": rules.get("maxlength"),
        "default": rules.get("default"),
        "value_type": rules.get("type"),
    }
    kind = rules.get("type")
    allowed = tuple(str(a) for a in rules.get("allowed", ()))
    if len(allowed) == 1:
        return FormField(kind="fixed", choices=allowed, **common)
    if kind == "dict" and "valuesrules" in rules:
        inner = rules["valuesrules"].get("schema", {})
        return FormField(kind="keyed", keys=checklist_questions(), children=tuple(_form_field(n, r) for n, r in inner.items()), **common)
    if kind == "dict":
        children = tuple(_form_field(n, r) for n, r in (rules.get("schema") or {}).items())
        return FormField(kind="group", optional_group=bool(rules.get("nullable")), children=children, **common)
    if kind == "list":
        item = rules.get("schema") or {}
        item_label = str(meta.get("item_label") or "Item")
        if item.get("type") == "dict":
            children = tuple(_form_field(n, r) for n, r in (item.get("schema") or {}).items())
            return FormField(kind="rows", children=children, item_label=item_label, **common)
        if item.get("allowed"):
            return FormField(kind="checkboxes", choices=tuple(str(a) for a in item["allowed"]), **common)
        return FormField(kind="lines", **common)
    if allowed:
        return FormField(kind="choice", choices=allowed, **common)
    if kind == "boolean":
        return FormField(kind="boolean", **common)
    if kind == "integer":
        return FormField(kind="number", **common)
    if kind == "date":
        return FormField(kind="date", **common)
    example = str(meta.get("example", ""))
    long_text = (rules.get("maxlength") or 0) >= TEXTAREA_LENGTH or "\n" in example
    return FormField(kind="textarea" if long_text else "text", **common)


_WHOLE_NUMBER = re.compile(r"[+-]?[1-9][0-9]{0,8}|0")


def profile_from_form(values: Mapping[str, Any], *, keep_empty_rows: bool = False) -> dict:
    """Profile data from a form's fields named by dotted path (``areas.0.local_authority``).

    ``values`` maps each name to its text, or to a list of texts for checkboxes. Text is kept
    exactly as typed (line breaks as ``\\n``); an empty field is left out, so a required one is
    reported missing; a whole number or a date is written as one only when that gives back the
    same characters. Empty rows of a repeating group are dropped unless ``keep_empty_rows``;
    required blocks are kept even when empty, so each missing field is reported on its own.
    """
    def get(name: str):
        value = values.get(name)
        if isinstance(value, (list, tuple)):
            return [str(v) for v in value]
        return None if value is None else str(value)

    def text(name: str) -> str | None:
        value = get(name)
        if isinstance(value, list):
            value = value[0] if value else None
        if value is None:
            return None
        value = value.replace("\r\n", "\n")
        return value if value != "" else None

    def fields_of(field_list, prefix: str) -> dict:
        out: dict = {}
        for f in field_list:
            value = one(f, f"{prefix}.{f.name}" if prefix else f.name)
            if value is not None:
                out[f.name] = value
        return out

    def indexes(prefix: str) -> list[int]:
        found = set()
        for name in values:
            if name.startswith(prefix + "."):
                head = name[len(prefix) + 1 :].split(".", 1)[0]
                if head.isdigit():
                    found.add(int(head))
        return sorted(found)

    def one(f: FormField, path: str):
        if f.kind == "group":
            block = fields_of(f.children, path)
            if not _has_content(block) and (f.optional_group or not f.required):
                return None
            return block
        if f.kind == "rows":
            rows = [fields_of(f.children, f"{path}.{i}") for i in indexes(path)]
            rows = [r for r in rows if keep_empty_rows or _has_content(r)]
            return rows or None
        if f.kind == "keyed":
            block = {}
            for key, _question, _group in f.keys:
                answers = fields_of(f.children, f"{path}.{key}")
                if answers:
                    block[key] = answers
            return block or None
        if f.kind == "checkboxes":
            value = get(path)
            chosen = value if isinstance(value, list) else ([value] if value else [])
            return [v for v in chosen if v] or None
        if f.kind == "lines":
            value = text(path)
            if value is None:
                return None
            return [line for line in value.split("\n") if line.strip()] or None
        value = text(path)
        if value is None:
            return None
        if f.kind == "boolean":
            return {"true": True, "false": False}.get(value, value)
        if f.value_type == "integer" and _WHOLE_NUMBER.fullmatch(value):
            return int(value)
        if f.kind == "date":
            try:
                if dt.date.fromisoformat(value).isoformat() == value:
                    return dt.date.fromisoformat(value)
            except ValueError:
                pass
        return value

    return fields_of(form_fields(), "")


def _has_content(value: Any) -> bool:
    """True when a block holds a typed value somewhere (a block of empty blocks is empty)."""
    if isinstance(value, dict):
        return any(_has_content(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_content(v) for v in value)
    return value is not None


def field_path(field: str | None) -> str | None:
    """The dotted path of the form field a problem's field belongs to.

    ``areas[0].local_authority`` becomes ``areas.0.local_authority``; a field the form has no
    input for (one line of a list, an unknown key) gives its nearest field or block.
    """
    if not field:
        return None
    parts = [p for p in re.split(r"\.|\[(\d+)\]", field) if p]
    out: list[str] = []
    level: tuple[FormField, ...] = form_fields()
    current: FormField | None = None
    for part in parts:
        if current is not None and current.kind == "rows" and part.isdigit():
            out.append(part)
            level = current.children
            current = None  # the row itself: its children come next
            continue
        if current is not None and current.kind == "keyed" and part in {k for k, _q, _g in current.keys}:
            out.append(part)
            level = current.children
            current = None
            continue
        if current is not None and current.kind not in ("group",):
            break  # a line of a list, or a key the form does not know
        match = next((f for f in level if f.name == part), None)
        if match is None:
            break
        out.append(part)
        current = match
        level = match.children
    return ".".join(out) or None


def load_profile_text(text: str, file: str = "<form>") -> Profile:
    """Validate profile YAML given as text (as ``validate`` would the file); raise ProfileError."""
    try:
        doc = yamlfile.loads(text, file=file, what="profile")
    except yamlfile.YamlReadError as err:
        raise ProfileError(f"{file}: the profile cannot be read", problems=[err.problem]) from None
    return validate_data(doc.data, doc.lines, file)


def profile_yaml(data: Mapping[str, Any]) -> str:
    """A profile written as YAML (``msp-docs validate`` reads back every character as given)."""
    header = "msp-docs organisation profile (saved by msp-docs serve).\nCheck it with: msp-docs validate THIS-FILE.yaml; every field is described in docs/profile.md."
    return yamlfile.dumps(thaw(data) if isinstance(data, FrozenMap) else dict(data), header=header)
