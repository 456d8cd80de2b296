from pathlib import Path

import openpyxl
import pytest

from core.errors import ImportRejectedError
from resources import resource_path
from workflow.import_templates import TEMPLATES, ImportTemplate
from workflow.table_reader import read_table


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.file_name)
def test_shipped_template_matches_its_importer(template: ImportTemplate) -> None:
    path = resource_path("templates", template.file_name)
    table = read_table(path, template.columns)
    assert set(table.columns) == {column.key for column in template.columns}
    assert table.rows == []
    notes = openpyxl.load_workbook(path)["填写说明"]
    described = [row[0] for row in notes.iter_rows(min_row=2, values_only=True)]
    assert described == [column.display_name for column in template.columns]


def test_blank_roster_template_is_rejected_as_having_no_rows(tmp_path: Path) -> None:
    from workflow.roster_import import parse_roster

    template = TEMPLATES[0]
    table = read_table(resource_path("templates", template.file_name), template.columns)
    with pytest.raises(ImportRejectedError) as caught:
        parse_roster(table)
    assert "只有表头" in caught.value.message("zh_CN")
