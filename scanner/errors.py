"""Errors of page acquisition: feeder events and an unusable scanner, in both languages.

Every `ScannerError` carries `last_sequence`, the sequence number of the last page the
batch delivered before it stopped (None if it delivered none), so the caller can store
what it has, let the operator fix the feeder and resume numbering at `last_sequence + 1`.
"""

from __future__ import annotations

from typing import ClassVar, Self

from core.errors import PtwError
from core.i18n import LocalisedText

_RESUME_NOTE = LocalisedText(
    "已收到的页面截至第 {last} 页；继续扫描时下一页编号为第 {next} 页。",
    "Pages up to number {last} were received; when you continue, the next page is number {next}.",
)


class ScannerError(PtwError):
    """Acquisition stopped; `last_sequence` says how far the batch got."""

    summary: ClassVar[LocalisedText] = LocalisedText(
        "扫描出错：请检查扫描仪后重试。", "Scanning failed: check the scanner and try again."
    )

    def __init__(
        self,
        detail: str = "",
        last_sequence: int | None = None,
        summary: LocalisedText | None = None,
    ) -> None:
        self.last_sequence = last_sequence
        self._own_summary = summary
        super().__init__(_with_resume_note(summary or self.summary, last_sequence), detail)

    def after_page(self, last_sequence: int | None) -> Self:
        """The same error, told that the batch had delivered up to `last_sequence`."""
        return type(self)(self.detail, last_sequence, self._own_summary)


def _with_resume_note(summary: LocalisedText, last_sequence: int | None) -> LocalisedText:
    if not last_sequence:
        return summary
    note = _RESUME_NOTE.format(last=last_sequence, next=last_sequence + 1)
    return LocalisedText(summary.zh + note.zh, f"{summary.en} {note.en}")


class FeederError(ScannerError):
    """The document feeder stopped the batch; fix it and resume."""


class PaperJamError(FeederError):
    """A sheet is stuck in the feeder."""

    summary = LocalisedText(
        "卡纸：请取出卡住的纸张后继续扫描。",
        "Paper jam: remove the jammed sheet, then continue scanning.",
    )


class DoubleFeedError(FeederError):
    """Two or more sheets went through the feeder together."""

    summary = LocalisedText(
        "重张进纸：有几张纸被同时送入。请取出这些纸张，理开后放回进纸器，再继续扫描。",
        "Double feed: several sheets went through together. Take them out, separate "
        "them, put them back in the feeder and continue scanning.",
    )


class CoverOpenError(FeederError):
    """The scanner's cover or feeder lid is open."""

    summary = LocalisedText(
        "扫描仪盖板未合上：请合上盖板后继续扫描。",
        "The scanner cover is open: close it, then continue scanning.",
    )


class FeederEmptyError(FeederError):
    """The feeder had no paper when the batch began (an empty feeder later is a normal end)."""

    summary = LocalisedText(
        "进纸器中没有纸张：请放入答题卡后再开始扫描。",
        "The feeder is empty: load the answer sheets, then start scanning.",
    )


class ScannerUnavailableError(ScannerError):
    """The scanner or its driver cannot be used: missing, off, busy or failing."""

    summary = LocalisedText(
        "无法使用扫描仪：请确认扫描仪已接通电源并连接到这台电脑，然后重试。",
        "The scanner cannot be used: check that it is switched on and connected to this "
        "computer, then try again.",
    )
