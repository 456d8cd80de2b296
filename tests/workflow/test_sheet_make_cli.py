import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from core.errors import BadInputError
from core.models import AnswerSheetTemplate, Assessment
from omr.layout import AnswerSheetLayout, FieldKind, Paper, RegionKind
from tests.table_files import write_xlsx
from tests.workflow.ptw_process import run_ptw
from workflow.answer_key_import import ExamDetails, import_answer_key
from workflow.context import AppContext
from workflow.school_records import current_school, find_subject
from workflow.sheet_making import make_sheet_for_exam, spec_from_exam

KEY_HEADER = ["题号", "题型", "答案", "分值", "给分规则", "知识点", "选项数", "大题", "选做组",
              "题干"]


def _make(env: dict[str, str], tmp_path: Path, *args: str) -> tuple[int, str, Path, Path]:
    pdf, layout = tmp_path / "out" / "sheet.pdf", tmp_path / "out" / "layout.json"
    done = run_ptw(env, "sheet", "make", *args, "--out", str(pdf), "--layout-out", str(layout))
    return done.returncode, done.stdout + done.stderr, pdf, layout


def test_sheet_for_the_demo_exam_is_printed_and_stored(
        station_env: dict[str, str], context: AppContext, tmp_path: Path) -> None:
    assert run_ptw(station_env, "demo").returncode == 0
    status, output, pdf, layout_path = _make(station_env, tmp_path, "--exam", "1")
    assert status == 0, output
    assert "答题卡已生成" in output
    assert pdf.read_bytes().startswith(b"%PDF")
    layout = AnswerSheetLayout.from_json(layout_path.read_text(encoding="utf-8"))
    assert layout.exam_id == 1 and layout.version == 1 and layout.paper is Paper.A4
    assert layout.title == "七年级数学期中测试（演示）"
    names = {f.name for page in layout.pages for f in page.fields}
    assert {f"q{n}" for n in range(1, 19)} <= names and "s40.units" in names
    status, output, _, _ = _make(station_env, tmp_path, "--exam", "1", "--paper", "a3",
                                 "--columns", "3")
    assert status == 0, output
    with context.database.transaction() as session:
        templates = list(session.scalars(select(AnswerSheetTemplate).order_by(
            AnswerSheetTemplate.version)))
    assert [(t.assessment_id, t.version) for t in templates] == [(1, 1), (1, 2)]
    newest = AnswerSheetLayout.from_dict(templates[1].layout)
    assert newest == AnswerSheetLayout.from_json(layout_path.read_text(encoding="utf-8"))
    assert newest.paper is Paper.A3 and newest.columns == 3 and len(newest.pages) == 2
    assert AnswerSheetLayout.from_dict(templates[0].layout) == layout


def test_sheet_from_a_key_file_needs_no_exam(station_env: dict[str, str],
                                             tmp_path: Path) -> None:
    key = write_xlsx(tmp_path / "单元测验.xlsx", [
        KEY_HEADER,
        ["1", "单选", "B", 3, None, "X.01", 5, "一、选择题", None, None],
        ["2", "多选", "ACD", 4, "少选得半", "X.02;X.03", None, "一、选择题", None, None],
        ["3", "判断", "对", 2, None, None, None, None, None, None],
        ["4", "填空", "12", 3, None, None, None, None, None, None],
        ["5", "解答", "略", 12, None, None, None, None, "选做A", None],
        ["6", "解答", "略", 12, None, None, None, None, "选做A", None],
        ["7", "解答", "略", 8, None, None, None, None, None, None],
    ])
    status, output, pdf, layout_path = _make(station_env, tmp_path, "--key", str(key),
                                             "--paper", "8K", "--title", "第三单元测验")
    assert status == 0, output
    layout = AnswerSheetLayout.from_json(layout_path.read_text(encoding="utf-8"))
    assert layout.exam_id == 0 and layout.title == "第三单元测验" and layout.paper is Paper.K8
    fields = {f.name: f for page in layout.pages for f in page.fields}
    assert fields["q1"].values == tuple("ABCDE")
    assert fields["q2"].kind is FieldKind.MULTIPLE_CHOICE
    assert fields["q3"].values == ("T", "F")
    assert fields["opt.选做A"].values == ("5", "6")
    assert fields["s5.tens"].values == ("0", "10") and fields["s7.units"].values[-1] == "8"
    regions = {r.name: r for page in layout.pages for r in page.regions}
    assert regions["f4"].kind is RegionKind.FILL_BLANK
    assert regions["a7"].max_points == 8
    assert json.loads(layout_path.read_text(encoding="utf-8"))["extra"]["item_points"]["5"] == 12
    assert pdf.stat().st_size > 10_000


def test_bad_requests_exit_2_with_a_message(station_env: dict[str, str], context: AppContext,
                                            tmp_path: Path) -> None:
    status, output, pdf, _ = _make(station_env, tmp_path, "--exam", "99")
    assert status == 2 and "找不到编号为 99 的考试" in output and not pdf.exists()
    assert run_ptw(station_env, "demo").returncode == 0
    status, output, _, _ = _make(station_env, tmp_path, "--exam", "1", "--columns", "2")
    assert status == 2 and "A4 纸不能分 2 栏" in output
    status, output, _, _ = _make(station_env, tmp_path, "--key", str(tmp_path / "none.xlsx"))
    assert status == 2 and "找不到文件" in output
    english = {**station_env, "PTW_LANGUAGE": "en"}
    status, output, _, _ = _make(english, tmp_path, "--exam", "98")
    assert status == 2 and "No exam with id 98" in output
    with context.database.transaction() as session:
        assert session.scalars(select(AnswerSheetTemplate)).first() is None


def test_an_exam_without_items_gets_a_clear_message(context: AppContext, tmp_path: Path
                                                    ) -> None:
    with context.database.transaction() as session:
        subject = find_subject(session, "数学")
        assert subject is not None
        exam = Assessment(school_id=current_school(session).id, name="空白测验",
                          subject_id=subject.id, held_on=dt.date(2024, 11, 7))
        session.add(exam)
        session.flush()
        exam_id = exam.id
    with pytest.raises(BadInputError) as caught:
        make_sheet_for_exam(context, exam_id, tmp_path / "s.pdf", tmp_path / "s.json")
    assert "还没有题目" in caught.value.message("zh_CN")
    assert "has no items" in caught.value.message("en")
    assert not (tmp_path / "s.pdf").exists()


def test_the_spec_follows_the_exam_in_the_database(context: AppContext, tmp_path: Path
                                                   ) -> None:
    key = write_xlsx(tmp_path / "key.xlsx", [
        KEY_HEADER,
        ["2", "多选", "AB", 4, None, None, 5, None, None, None],
        ["1", "判断", "错", 2, None, None, None, None, None, None],
        ["3(1)", "解答", "略", 6, None, None, None, None, "选做", None],
        ["3(2)", "解答", "略", 6, None, None, None, None, "选做", None],
    ])
    summary = import_answer_key(context, key, ExamDetails("期末测验", held_on=dt.date(2025, 1, 9)))
    with context.database.transaction() as session:
        spec = spec_from_exam(session, summary.assessment_id, paper=Paper.A3, columns=3)
    assert [(i.label, i.kind.value, i.option_count, i.points, i.optional_group)
            for i in spec.items] == [
        ("2", "multiple_choice", 5, 4.0, None), ("1", "true_false", 2, 2.0, None),
        ("3(1)", "subjective", None, 6.0, "选做"), ("3(2)", "subjective", None, 6.0, "选做")]
    assert spec.title == "期末测验"
    assert "2025-01-09" in spec.subtitle and "满分 18 分" in spec.subtitle
    assert (spec.layout_version, spec.paper, spec.landscape, spec.columns) == (
        1, Paper.A3, True, 3)
    made = make_sheet_for_exam(context, summary.assessment_id, tmp_path / "s.pdf",
                               tmp_path / "s.json", paper=Paper.A3, columns=3)
    assert made.template_id is not None and made.layout.version == 1
    with context.database.transaction() as session:
        assert spec_from_exam(session, summary.assessment_id).layout_version == 2
