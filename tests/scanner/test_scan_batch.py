"""ScanBatch numbering, ending and error hand-back, over plain page generators."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.progress import CancelToken
from scanner.acquisition import CapturedPage, ScanOptions
from scanner.backend import ScanBatch
from scanner.errors import DoubleFeedError, FeederEmptyError, PaperJamError


def pages(
    count: int, then: Exception | None = None, closed: list[bool] | None = None
) -> Iterator[CapturedPage]:
    try:
        for number in range(count):
            yield CapturedPage(bytes([number]), "image/png", "feeder")
        if then is not None:
            raise then
    finally:
        if closed is not None:
            closed.append(True)


def test_numbers_from_the_first_sequence_without_gaps() -> None:
    batch = ScanBatch(pages(3), CancelToken(), first_sequence=8)
    assert [(image.sequence, image.data) for image in batch] == [
        (8, b"\0"),
        (9, b"\1"),
        (10, b"\2"),
    ]
    assert batch.last_sequence == 10 and batch.delivered == 3


def test_empty_feeder_after_pages_is_a_normal_end() -> None:
    batch = ScanBatch(pages(2, FeederEmptyError("no docs")), CancelToken())
    assert [image.sequence for image in batch] == [1, 2]


def test_empty_feeder_before_any_page_is_an_error() -> None:
    batch = ScanBatch(pages(0, FeederEmptyError("no docs")), CancelToken(), first_sequence=5)
    with pytest.raises(FeederEmptyError) as empty:
        list(batch)
    assert empty.value.last_sequence == 4
    assert "第 4 页" in empty.value.user_message.zh


def test_a_jam_carries_the_last_page_delivered_and_resume_continues() -> None:
    options = ScanOptions()
    batch = ScanBatch(pages(3, PaperJamError("jammed")), CancelToken(), options.first_sequence)
    delivered = []
    with pytest.raises(PaperJamError) as jam:
        for image in batch:
            delivered.append(image.sequence)
    assert delivered == [1, 2, 3] and jam.value.last_sequence == 3
    assert jam.value.detail == "jammed"
    assert "下一页编号为第 4 页" in jam.value.user_message.zh
    assert "the next page is number 4" in jam.value.user_message.en
    resumed = options.resumed_after(jam.value.last_sequence)
    again = ScanBatch(pages(2), CancelToken(), resumed.first_sequence)
    assert [image.sequence for image in again] == [4, 5]
    assert list(batch) == []  # a stopped batch stays stopped


def test_double_feed_is_its_own_error() -> None:
    with pytest.raises(DoubleFeedError) as double:
        list(ScanBatch(pages(1, DoubleFeedError()), CancelToken()))
    assert double.value.user_message.en.startswith("Double feed")
    assert double.value.last_sequence == 1


def test_max_pages_closes_the_source() -> None:
    closed: list[bool] = []
    batch = ScanBatch(pages(10, closed=closed), CancelToken(), max_pages=2)
    assert [image.sequence for image in batch] == [1, 2]
    assert closed == [True]


def test_messages_without_pages_have_no_resume_note() -> None:
    assert PaperJamError().user_message.zh == "卡纸：请取出卡住的纸张后继续扫描。"
