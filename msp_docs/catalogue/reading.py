"""Reading the catalogue files: their YAML, the lines of their fields, and each file checked against schema.yaml."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from msp_docs.errors import Problem


#: The data files, in the order they are read and reported.
DATA_FILES = (
    "paragraphs.yaml",
    "themes.yaml",
    "baselines.yaml",
    "concepts.yaml",
    "law.yaml",
    "msp-steps.yaml",
    "numbering.yaml",
    "checklist.yaml",
    "confidence.yaml",
)
SCHEMA_FILE = "schema.yaml"


class _Files:
    """The catalogue folder: file names shown in messages, raw text and lines of fields."""

    def __init__(self, source, label: str) -> None:
        self.source = source
        self.label = label
        self._lines: dict[str, Any] = {}

    def name(self, filename: str) -> str:
        return f"{self.label}/{filename}"

    def read_all(self) -> tuple[dict[str, str], dict[str, Any], list[Problem]]:
        texts, problems = self.read_texts()
        data, parse_problems = self.parse(texts)
        return texts, data, problems + parse_problems

    def read_texts(self) -> tuple[dict[str, str], list[Problem]]:
        """The text of every file there is, and a problem for each that is missing or unreadable."""
        texts: dict[str, str] = {}
        problems: list[Problem] = []
        for filename in DATA_FILES + (SCHEMA_FILE,):
            shown = self.name(filename)
            try:
                texts[filename] = self.source.joinpath(filename).read_text(encoding="utf-8")
            except FileNotFoundError:
                problems.append(Problem(shown, None, None, "is missing"))
            except (OSError, UnicodeDecodeError) as err:
                problems.append(Problem(shown, None, None, f"cannot be read ({err})"))
        return texts, problems

    def parse(self, texts: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
        """The YAML of every text, and a problem for each that is not a mapping of sections."""
        from ruamel.yaml import YAML
        from ruamel.yaml.error import MarkedYAMLError, YAMLError

        data: dict[str, Any] = {}
        problems: list[Problem] = []
        for filename in DATA_FILES + (SCHEMA_FILE,):
            if filename not in texts:
                continue
            shown = self.name(filename)
            try:
                loaded = YAML(typ="safe").load(texts[filename])
            except MarkedYAMLError as err:
                mark = err.problem_mark or err.context_mark
                problems.append(Problem(shown, mark.line + 1 if mark else None, None, f"is not valid YAML ({(err.problem or err.context or '').strip()})"))
                continue
            except YAMLError as err:
                problems.append(Problem(shown, None, None, f"is not valid YAML ({err})"))
                continue
            if not isinstance(loaded, dict):
                problems.append(Problem(shown, 1, None, "must be a mapping of sections, not a single value or a list"))
                continue
            data[filename] = loaded
        return data, problems

    def line(self, filename: str, texts: dict[str, str], path: tuple) -> int | None:
        """The line of a field path, found only when a problem needs it (re-reading with line marks)."""
        if filename not in self._lines:
            from msp_docs import yamlfile

            try:
                self._lines[filename] = yamlfile.loads(texts[filename], file=self.name(filename), what="catalogue file")
            except yamlfile.YamlReadError:
                self._lines[filename] = None
        document = self._lines[filename]
        return document.line_of(path) if document is not None else None


# --------------------------------------------------------------------------- schema


def _schema_problems(files: _Files, texts: dict[str, str], data: dict[str, Any]) -> list[Problem]:
    import cerberus

    schema_doc = data[SCHEMA_FILE]
    problems: list[Problem] = []
    file_schemas = schema_doc.get("files") if isinstance(schema_doc, dict) else None
    if not isinstance(file_schemas, dict):
        return [Problem(files.name(SCHEMA_FILE), 1, "files", "must map each data file to its schema")]
    for filename in DATA_FILES:
        schema = file_schemas.get(filename)
        if not isinstance(schema, dict):
            problems.append(Problem(files.name(SCHEMA_FILE), None, f"files.{filename}", "has no schema for this data file"))
            continue
        try:
            validator = cerberus.Validator(schema)
        except cerberus.schema.SchemaError as err:
            problems.append(Problem(files.name(SCHEMA_FILE), None, f"files.{filename}", f"is not a valid Cerberus schema: {err}"))
            continue
        if validator.validate(data[filename]):
            continue
        for path, message in _flatten(validator.errors):
            value = _value_at(data[filename], path)
            if message == "must be of string type" and isinstance(value, (int, float)) and not isinstance(value, bool):
                message += f" (YAML read {value!r} as a number; put paragraph numbers in quotes, like \"14.10\")"
            problems.append(Problem(files.name(filename), files.line(filename, texts, path), _field(data[filename], path), message))
    return problems


def _flatten(errors: Mapping, path: tuple = ()) -> Iterable[tuple[tuple, str]]:
    for key, value in errors.items():
        here = path + (key,)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Mapping):
                yield from _flatten(item, here)
            else:
                yield here, str(item)


def _value_at(data: Any, path: tuple) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _field(data: Any, path: tuple) -> str:
    """A field path for messages, naming list items by their id where they have one."""
    out = ""
    node = data
    for part in path:
        child = _value_at(node, (part,))
        if isinstance(part, int):
            item_id = child.get("id", child.get("number")) if isinstance(child, dict) else None
            out += f"[{part}]" + (f" ({item_id})" if item_id is not None else "")
        else:
            out += ("." if out else "") + str(part)
        node = child
    return out
