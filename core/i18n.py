"""Languages the product speaks and text that carries both of them.

The UI speaks Simplified Chinese by default and English when chosen; messages meant for a
person are built as `LocalisedText` so the caller, not the author, picks the language.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Language(enum.StrEnum):
    """A user-interface language."""

    ZH_CN = "zh_CN"
    EN = "en"


@dataclass(frozen=True, slots=True)
class LocalisedText:
    """One sentence in Simplified Chinese and English."""

    zh: str
    en: str

    def in_language(self, language: Language | str) -> str:
        """Return the text in `language`, Chinese for anything unknown."""
        return self.en if str(language) == Language.EN else self.zh

    def format(self, **values: object) -> LocalisedText:
        """Fill `{name}` placeholders in both languages."""
        return LocalisedText(self.zh.format(**values), self.en.format(**values))
