"""The exception tree of msp-docs: every error a user can meet, with the place it is about.

Exit codes are not decided here; the command-line group in ``cli.py`` maps these classes to
exit codes in one table. Library callers catch ``MspDocsError``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what to do about it."""

    file: str | None
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        place = self.file or "<input>"
        if self.line is not None:
            place = f"{place}:{self.line}"
        if self.field:
            return f"{place}: {self.field}: {self.message}"
        return f"{place}: {self.message}"


class MspDocsError(Exception):
    """Raised when msp-docs cannot do what was asked; the base of every msp-docs error."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        problems: list[Problem] | tuple[Problem, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        self.problems = tuple(problems)

    def __reduce__(self):
        # Keep every attribute when an error crosses a process boundary (batch builds).
        return (_rebuild, (type(self), self.message, self.file, self.line, self.field, self.problems))

    def __str__(self) -> str:
        if self.problems:
            head = self.message
            return head + "\n" + "\n".join(f"  {p}" for p in self.problems)
        return str(Problem(self.file, self.line, self.field, self.message)) if self.file else self.message


def _rebuild(cls, message, file, line, field, problems):
    return cls(message, file=file, line=line, field=field, problems=problems)


class InvalidInputError(MspDocsError):
    """Raised when something the user gave (a file, a value, an option) cannot be used."""


class ProfileError(InvalidInputError):
    """Raised when an organisation profile is missing, unreadable or fails validation.

    ``problems`` lists every problem found, each with file, line and field.
    """


class DocumentError(InvalidInputError):
    """Raised when a document given to check or extend cannot be read (wrong format, corrupt, encrypted)."""


class UnsafeDocumentError(DocumentError):
    """Raised when a document is refused as hostile or too large (zip bomb, XML entities, size limits)."""


class TemplateError(InvalidInputError):
    """Raised when a Word template or clause template cannot be rendered (syntax, missing variable, sandbox)."""


class OutputExistsError(InvalidInputError):
    """Raised when writing would overwrite an existing file and ``--force`` was not given."""


class OptionError(InvalidInputError):
    """Raised when command options are inconsistent or name something that does not exist."""


class ScheduleAlreadyPresentError(InvalidInputError):
    """Raised when a contract already holds the safeguarding schedule and ``--replace`` was not given."""


class CatalogueError(MspDocsError):
    """Raised when the shipped catalogue or clause library is inconsistent (a defect in msp-docs itself)."""


class ConversionError(MspDocsError):
    """Raised when an external converter (LibreOffice) fails on a document msp-docs produced."""
