import threading

import pytest

from core.errors import (
    BadInputError,
    ImportProblem,
    ImportRejectedError,
    OperationCancelledError,
    PtwError,
)
from core.i18n import LocalisedText
from core.progress import CancelToken, ProgressUpdate


def test_import_problem_locates_in_both_languages() -> None:
    problem = ImportProblem("名单", 7, "学号", LocalisedText("学号为空。", "Empty number."))
    assert problem.describe("zh_CN") == "名单, 第 7 行, “学号”列: 学号为空。"
    assert problem.describe("en") == "名单, row 7, column 学号: Empty number."


def test_rejected_import_lists_every_problem_and_is_bad_input() -> None:
    problems = [ImportProblem("s", row, "c", LocalisedText(f"错{row}", f"bad {row}"))
                for row in (2, 5)]
    error = ImportRejectedError(problems)
    assert isinstance(error, BadInputError)
    assert error.exit_status == 2
    message = error.message("en")
    assert "2 problem(s)" in message and "row 2" in message and "row 5" in message
    assert "第 5 行" in error.message("zh_CN")


def test_plain_error_exits_one_and_keeps_detail() -> None:
    error = PtwError(LocalisedText("内部", "internal"), detail="stack")
    assert error.exit_status == 1
    assert error.detail == "stack"
    assert error.message("en") == "internal"


def test_cancel_token_is_seen_by_another_thread() -> None:
    token = CancelToken()
    seen: list[bool] = []
    worker = threading.Thread(target=lambda: seen.append(token.cancelled))
    token.cancel()
    worker.start()
    worker.join()
    assert seen == [True]
    with pytest.raises(OperationCancelledError):
        token.raise_if_cancelled()


def test_fresh_token_does_not_raise_and_progress_fraction() -> None:
    CancelToken().raise_if_cancelled()
    assert ProgressUpdate(3, 4).fraction == pytest.approx(0.75)
    assert ProgressUpdate(3, 0).fraction is None
