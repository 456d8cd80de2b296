import logging

import pytest

from app.error_presenter import PROBLEMS_SHOWN_INLINE, ErrorDialogContent, ErrorPresenter
from core.errors import BadInputError, ImportProblem, ImportRejectedError
from core.i18n import LocalisedText


def _capture(language: str) -> tuple[ErrorPresenter, list[ErrorDialogContent]]:
    shown: list[ErrorDialogContent] = []
    return ErrorPresenter(language, shown.append), shown


def _problems(count: int) -> list[ImportProblem]:
    return [ImportProblem("名单", row, "学号", LocalisedText(f"学号为空 {row}。",
                                                           f"Empty number {row}."))
            for row in range(2, 2 + count)]


@pytest.mark.parametrize(("language", "expected"), [("zh_CN", "文件有误"), ("en", "bad file")])
def test_our_errors_show_their_message_in_the_users_language(language: str,
                                                              expected: str) -> None:
    presenter, shown = _capture(language)
    presenter.present(BadInputError(LocalisedText("文件有误。", "The bad file.")))
    assert len(shown) == 1
    assert expected in shown[0].text.lower() and shown[0].details == ""
    assert shown[0].title


def test_a_short_rejection_lists_every_problem_in_the_text() -> None:
    presenter, shown = _capture("zh_CN")
    presenter.present(ImportRejectedError(_problems(2), source="roster.csv"))
    text = shown[0].text
    assert "发现 2 处问题" in text
    assert "第 2 行" in text and "第 3 行" in text and "“学号”列" in text
    assert shown[0].details == ""


def test_a_long_rejection_puts_the_full_list_in_the_details() -> None:
    presenter, shown = _capture("en")
    presenter.present(ImportRejectedError(_problems(10), source="roster.csv"))
    content = shown[0]
    assert "10 problem(s)" in content.text
    assert content.text.count("Empty number") == PROBLEMS_SHOWN_INLINE
    assert "4 more" in content.text
    assert [line for line in content.details.splitlines() if line] == [
        f"名单, row {row}, column 学号: Empty number {row}." for row in range(2, 12)]


def test_an_unexpected_error_shows_a_generic_message_and_logs_the_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    presenter, shown = _capture("zh_CN")
    try:
        raise KeyError("internal detail")
    except KeyError as error:
        caught = error
    with caplog.at_level(logging.ERROR):
        presenter.present(caught)
    assert "程序内部错误" in shown[0].text and "internal detail" not in shown[0].full_text
    records = [r for r in caplog.records if r.exc_info]
    assert records and records[0].exc_info[1] is caught
