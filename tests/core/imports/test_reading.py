"""Reading tables with Excel's habits: encodings, delimiters, title rows, numbers as text."""

from __future__ import annotations

import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.imports.reading import find_column, read_table, sniff, to_number


def test_utf8_bom_and_thousands_separators(tmp_path):
    f = tmp_path / "a.csv"
    f.write_bytes('\ufeffLSOA code,Rank\nE01000001,"29,199"\nE01000002,12\n'.encode())
    t = read_table(f)
    assert list(t.df.columns) == ["LSOA code", "Rank"]
    nums, bad = to_number(t.df["Rank"])
    assert nums.tolist() == [29199.0, 12.0]
    assert not bad.any()


def test_windows_1252_semicolon(tmp_path):
    f = tmp_path / "b.csv"
    f.write_bytes("Name;Town\nCaf\xe9 Hub;Sal\xe9\n".encode("cp1252"))
    t = read_table(f)
    assert t.fmt.encoding == "cp1252" and t.fmt.delimiter == ";"
    assert t.df.iloc[0].tolist() == ["Café Hub", "Salé"]


def test_tab_delimited(tmp_path):
    f = tmp_path / "c.tsv"
    f.write_text("a\tb\tc\n1\t2\t3\n4\t5\t6\n")
    assert read_table(f).df.shape == (2, 3)


def test_title_row_and_trailing_empty_columns(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("Community assets register 2026,,,,\n,,,,\nName,Category,Postcode,,\n"
                 "Hub,Library,N1 1AA,,\nClinic,GP,N1 1AB,,\n")
    t = read_table(f)
    assert list(t.df.columns) == ["Name", "Category", "Postcode"]
    assert len(t.df) == 2
    # spreadsheet row numbers: the header is row 3, the first data row row 4
    assert t.row_numbers().tolist() == [4, 5]


def test_headerless_file_keeps_all_columns(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text('"A81001","THE SURGERY","TS18 1HU","19740401","",""\n'
                 '"A81002","THE CLINIC","TS18 2AB","19740401","",""\n')
    t = read_table(f)
    assert t.fmt.header_row == 0
    assert t.df.shape == (2, 6)
    assert t.row_numbers().tolist() == [1, 2]


def test_a_two_column_ward_lookup_keeps_its_header(tmp_path):
    # "WD22NM" is shaped like Watford's postcode "WD2 2NM": beside "LSOA11CD" it is a header,
    # not a first data row (the file read as headerless had no LSOA column to find)
    f = tmp_path / "wards.csv"
    f.write_text("LSOA11CD,WD22NM\nE01003189,Lewisham Central\nE01003190,Catford\n")
    t = read_table(f)
    assert t.fmt.header_row == 1 and list(t.df.columns) == ["LSOA11CD", "WD22NM"]
    g = tmp_path / "codepoint.csv"        # a headerless postcode file stays headerless
    g.write_text('"WD2 2NM",10,523000,196000\n"WD2 2NN",10,523010,196010\n')
    assert read_table(g).fmt.header_row == 0


def test_xlsx_with_title_row(tmp_path):
    f = tmp_path / "f.xlsx"
    with pd.ExcelWriter(f) as xw:
        pd.DataFrame({"x": ["Notes about this workbook"]}).to_excel(xw, sheet_name="Notes",
                                                                   index=False, header=False)
        body = pd.DataFrame([["Title of the table", None], [None, None], ["Code", "Count"],
                             ["E01000001", "1,234"], ["E01000002", "5"]])
        body.to_excel(xw, sheet_name="Data", index=False, header=False)
    t = read_table(f)
    assert list(t.df.columns) == ["Code", "Count"]
    assert t.fmt.excel_sheet == "Data"
    assert to_number(t.df["Count"])[0].tolist() == [1234.0, 5.0]
    assert t.row_numbers().tolist() == [4, 5]


def test_to_number_flags_text_but_not_blanks():
    nums, bad = to_number(pd.Series(["1", "x", None, " 3 ", "-2"]))
    assert bad.tolist() == [False, True, False, False, False]
    assert nums.iloc[3] == 3.0 and pd.isna(nums.iloc[2])


def test_unreadable_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(UserError, match="empty"):
        sniff(empty)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x00")
    with pytest.raises(UserError, match="binary"):
        sniff(binary)


def test_find_column_is_loose():
    cols = ["LSOA code (2011)", "Index of Multiple Deprivation (IMD) Rank"]
    assert find_column(cols, "lsoa code 2011") == "LSOA code (2011)"
    assert find_column(cols, "decile", contains=True) is None
    assert find_column(cols, "imd rank") is None  # exact match needs the whole name
    assert find_column(cols, "(IMD) Rank", contains=True) == cols[1]


def test_header_of_numbers_above_numbers_is_a_header(tmp_path):
    # the Trafford mid-year layout names single-year columns "0" … "89"; ONS lookups have
    # postcode-shaped names such as "WD19CD" above a numeric FID column
    f = tmp_path / "g.csv"
    f.write_text("area_code,all_ages,0,1,2\nE01000001,1500,20,21,19\nE01000002,1400,18,17,22\n"
                 "E01000003,1450,19,20,21\n")
    assert read_table(f).fmt.header_row == 1
    h = tmp_path / "h.csv"
    h.write_text("FID,LSOA11CD,WD19CD,WD19NM\n1,E01012057,E05009862,Linthorpe\n"
                 "2,E01012054,E05009862,Linthorpe\n3,E01012055,E05009863,Park\n")
    t = read_table(h)
    assert t.fmt.header_row == 1 and list(t.df.columns) == ["FID", "LSOA11CD", "WD19CD", "WD19NM"]
