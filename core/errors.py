"""The one exception hierarchy: every error a person may see carries a message for them.

`PtwError.user_message` says what is wrong and what to do, in both languages;
`detail` is the technical text for the log. The CLI maps `BadInputError` to exit
status 2 and anything else to 1; the GUI shows the message through one presenter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.i18n import Language, LocalisedText


class PtwError(Exception):
    """Base of all errors the product raises on purpose."""

    exit_status = 1

    def __init__(self, user_message: LocalisedText, detail: str = "") -> None:
        super().__init__(detail or user_message.en)
        self.user_message = user_message
        self.detail = detail

    def message(self, language: Language | str) -> str:
        """The person-facing message in `language`."""
        return self.user_message.in_language(language)


class BadInputError(PtwError):
    """The user gave us something we cannot use: a file, a value, an id."""

    exit_status = 2


class NotFoundError(BadInputError):
    """A named thing (exam, student, file) does not exist."""


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """One thing wrong with an imported table, located by sheet, row and column."""

    sheet: str
    row: int | None
    column: str | None
    message: LocalisedText

    def describe(self, language: Language | str) -> str:
        """One line that says where the problem is and what it is."""
        where: list[str] = [self.sheet] if self.sheet else []
        if str(language) == Language.EN:
            if self.row is not None:
                where.append(f"row {self.row}")
            if self.column:
                where.append(f"column {self.column}")
        else:
            if self.row is not None:
                where.append(f"第 {self.row} 行")
            if self.column:
                where.append(f"“{self.column}”列")
        prefix = ", ".join(where)
        text = self.message.in_language(language)
        return f"{prefix}: {text}" if prefix else text


class ImportRejectedError(BadInputError):
    """An import found problems; nothing was written. Carries every problem found."""

    def __init__(self, problems: Sequence[ImportProblem], source: str = "") -> None:
        self.problems = list(problems)
        count = len(self.problems)
        summary = LocalisedText(
            f"导入未完成：发现 {count} 处问题，未写入任何数据。请改正后重新导入。",
            f"Import not done: {count} problem(s) found and nothing was written. "
            "Fix them and import again.",
        )
        super().__init__(summary, detail=f"{source}: {count} problems")

    def message(self, language: Language | str) -> str:
        """The summary followed by one line per problem."""
        lines = [self.user_message.in_language(language)]
        lines += ["  " + problem.describe(language) for problem in self.problems]
        return "\n".join(lines)


class DatabaseUnavailableError(PtwError):
    """The database cannot be opened or used: locked, corrupt, unreachable, too new."""

    exit_status = 2


class SettingsError(BadInputError):
    """The settings file or an environment override is not valid."""


class OperationCancelledError(PtwError):
    """A long operation stopped because the user asked it to."""

    def __init__(self) -> None:
        super().__init__(LocalisedText("操作已取消。", "The operation was cancelled."))
