#!/usr/bin/python3
"""check_xlsx.py - reads the workbooks xlsx_fixture wrote back with openpyxl,
independently of libxlsxwriter, and compares them to the internal CSVs:
sheet names, header titles, row counts, frozen panes, autofilter, money cells
exact to the fen with format '¥#,##0.00', date cells as datetimes, the
summary tables and charts, the split past Excel's row limit, and - in the
public workbook - that no full ID number, phone or bank account appears.
Usage: check_xlsx.py OUTDIR"""
import csv
import datetime
import json
import os
import re
import sys
import zipfile
from decimal import Decimal

import openpyxl
from openpyxl.utils import get_column_letter

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def money(v):
    return Decimal(str(v)).quantize(Decimal("0.01"))


def expect_cell(kind, text):
    """The value openpyxl should read for a CSV field of this kind."""
    if text == "":
        return None
    if kind == "money":
        return Decimal(text)
    if kind == "int":
        return int(text)
    if kind == "time":
        return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    if kind == "date":
        return datetime.datetime.strptime(text, "%Y-%m-%d")
    return text


def mask(kind, s):
    """Contract §8, as documented in reports/cl_mask.c."""
    if s == "":
        return None
    if kind == "name":
        return s[0] + "**"
    if kind == "id":
        return "*" * len(s) if len(s) <= 8 else s[:4] + "*" * (len(s) - 8) + s[-4:]
    if kind == "phone":
        return "*" * len(s) if len(s) < 8 else s[:3] + "*" * (len(s) - 7) + s[-4:]
    if kind == "bank":
        s = s.replace(" ", "")
        return "*" * len(s) if len(s) <= 4 else "*" * (len(s) - 4) + s[-4:]
    return s


def check_print(ws, title, fx, summary):
    """A4 landscape, one page wide (the summary: one page), the header row on
    every page, the book's title and the sheet name atop, page m of n below."""
    ps = ws.page_setup
    check(ps.orientation == "landscape", f"{title}: orientation {ps.orientation}")
    check(str(ps.paperSize) == "9", f"{title}: paper {ps.paperSize}")
    check(ws.sheet_properties.pageSetUpPr.fitToPage, f"{title}: not fit to page")
    check(int(ps.fitToWidth if ps.fitToWidth is not None else 1) == 1,
          f"{title}: fitToWidth {ps.fitToWidth}")
    want_h = 1 if summary else 0
    check(int(ps.fitToHeight if ps.fitToHeight is not None else 1) == want_h,
          f"{title}: fitToHeight {ps.fitToHeight}")
    if summary:
        check(ws.print_area is not None, f"{title}: no print area")
    else:
        check(ws.print_title_rows in ("$1:$1", "1:1"), f"{title}: title rows {ws.print_title_rows}")
    left = ws.oddHeader.left.text or ""
    check(left.replace("&&", "&") == fx["print_title"], f"{title}: page header {left!r}")
    check(ws.oddHeader.right.text == "&A", f"{title}: header right {ws.oddHeader.right.text!r}")
    foot = ws.oddFooter.center.text or ""
    check("&P" in foot and "&N" in foot, f"{title}: footer {foot!r}")


def check_table(ws, title, spec, rows, public):
    cols = spec["cols"]
    header = [c.value for c in ws[1]]
    check(header == [c["title"] for c in cols], f"{title}: header {header}")
    for i, c in enumerate(cols):
        align = ws.cell(1, i + 1).alignment.horizontal
        want = "right" if c["kind"] in ("int", "money", "time", "date") else None
        check(align == want, f"{title}: header of {c['key']} aligned {align}, want {want}")
    extra = 1 if spec.get("totals") else 0
    check(ws.max_row == len(rows) + 1 + extra,
          f"{title}: {ws.max_row} rows, want {len(rows) + 1 + extra}")
    check(ws.freeze_panes == "A2", f"{title}: freeze_panes {ws.freeze_panes}")
    ref = f"A1:{get_column_letter(len(cols))}{len(rows) + 1}"
    check(ws.auto_filter.ref == ref, f"{title}: autofilter {ws.auto_filter.ref}, want {ref}")
    for c in ws[1]:
        check(c.font.b, f"{title}: header {c.coordinate} not bold")
    for i, c in enumerate(cols):
        width = ws.column_dimensions[get_column_letter(i + 1)].width
        check(width is not None and 6 <= width <= 60, f"{title}: width of {c['key']} = {width}")
    totals = {}
    for r, row in enumerate(rows):
        cells = ws[r + 2]
        for i, c in enumerate(cols):
            kind, cell = c["kind"], cells[i]
            want = expect_cell(kind, row[i])
            if public and kind in ("name", "id", "phone", "bank"):
                want = mask(kind, row[i])
            got = cell.value
            if kind == "money" and got is not None:
                check(cell.number_format == "¥#,##0.00",
                      f"{title}!{cell.coordinate}: format {cell.number_format!r}")
                check(isinstance(got, (int, float)), f"{title}!{cell.coordinate}: not a number")
                totals[c["key"]] = totals.get(c["key"], Decimal(0)) + money(got)
                got = money(got)
            if kind in ("time", "date") and got is not None:
                check(isinstance(got, datetime.datetime),
                      f"{title}!{cell.coordinate}: {got!r} is not a datetime")
                fmt = "yyyy-mm-dd hh:mm:ss" if kind == "time" else "yyyy-mm-dd"
                check(cell.number_format == fmt, f"{title}!{cell.coordinate}: {cell.number_format}")
            check(got == want, f"{title}!{cell.coordinate}: {got!r}, want {want!r}")
    for i, c in enumerate(cols):
        if c["kind"] == "money":
            csv_total = sum((Decimal(row[i]) for row in rows if row[i]), Decimal(0))
            check(totals.get(c["key"], Decimal(0)) == csv_total,
                  f"{title}: {c['key']} total {totals.get(c['key'])} != CSV {csv_total}")
            if extra:   # the 合计 row: the CSV's sum to the fen
                cell = ws.cell(len(rows) + 2, i + 1)
                check(money(cell.value) == csv_total and cell.number_format == "¥#,##0.00",
                      f"{title}: 合计 of {c['key']} {cell.value!r}, want {csv_total}")
    if extra:
        labels = [ws.cell(len(rows) + 2, i + 1).value for i in range(len(cols))]
        first = next(i for i, c in enumerate(cols) if c["kind"] != "money")
        check(labels[first] == "合计", f"{title}: total row {labels}")
        for i, c in enumerate(cols):
            if c["kind"] != "money" and i != first:
                check(labels[i] is None, f"{title}: total row has {labels[i]!r} under {c['key']}")


def check_summary(ws, fx, claims_rows, public):
    check(ws["A1"].value == fx["header_lines"][0], f"summary A1 {ws['A1'].value!r}")
    check(ws["A2"].value == fx["header_lines"][1], f"summary A2 {ws['A2'].value!r}")
    check(ws["A1"].font.b and ws["A1"].font.sz > ws["A2"].font.sz, "summary title font")
    count, total = {}, {}
    for row in claims_rows:
        count[row[5]] = count.get(row[5], 0) + 1
        total[row[5]] = total.get(row[5], Decimal(0)) + Decimal(row[6])
    # Two blocks of the same status table: rows 4.. and (4 + 3 + 1 + 2).., a
    # 合计 row under each (counts and amounts), a blank row between.
    for top in (4, 10):
        check([c.value for c in ws[top]][:3] == ["审查结论", "件数", "申报金额"],
              f"summary header row {top}: {[c.value for c in ws[top]]}")
        for k, st in enumerate(fx["statuses"]):
            r = ws[top + 1 + k]
            check(r[0].value == st and r[1].value == count[st] and money(r[2].value) == total[st],
                  f"summary row {top + 1 + k}: {[c.value for c in r]}")
        r = ws[top + 4]
        check(r[0].value == "合计" and r[1].value == sum(count.values()) and
              money(r[2].value) == sum(total.values()), f"summary total row: {[c.value for c in r]}")
        check(all(c.value is None for c in ws[top + 5]), f"summary row {top + 5} not blank")
    with zipfile.ZipFile(fx["_path"]) as z:
        charts = sorted(n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml", n))
        check(len(charts) == 2, f"charts {charts}")
        kinds = [("barChart" in z.read(n).decode()) for n in charts]
        check(sorted(kinds) == [False, True], "one column chart, one pie chart")
        for n in charts:
            xml = z.read(n).decode()
            if "barChart" in xml:   # axis titles from the column titles
                check("审查结论" in xml and "件数" in xml and xml.count("<c:title>") >= 3,
                      f"column chart axis titles missing")
            else:                   # pie slices labelled with value and share
                check('<c:showPercent val="1"/>' in xml, "pie chart: no percentages")
        drawing = z.read("xl/drawings/drawing1.xml").decode()
        anchors = re.findall(r"<xdr:from><xdr:col>(\d+)</xdr:col>.*?<xdr:row>(\d+)</xdr:row>",
                             drawing)
        tos = re.findall(r"<xdr:to><xdr:col>\d+</xdr:col>.*?<xdr:row>(\d+)</xdr:row>", drawing)
        check(len(anchors) == 2 and all(int(c) >= 3 for c, _ in anchors),
              f"charts right of the tables: {anchors}")
        check(len(tos) == 2 and int(tos[0]) < int(anchors[1][1]), f"charts overlap: {anchors} {tos}")


def check_book(path, fx, outdir, public):
    fx["_path"] = path
    wb = openpyxl.load_workbook(path)
    check(wb.sheetnames == fx["sheets"], f"{path}: sheets {wb.sheetnames}")
    claims_rows = read_csv(os.path.join(outdir, "claims.csv"))[1:]
    check_summary(wb[fx["sheets"][0]], fx, claims_rows, public)
    check_print(wb[fx["sheets"][0]], fx["sheets"][0], fx, summary=True)
    for title in fx["sheets"][1:]:
        check_print(wb[title], title, fx, summary=False)
    for title, spec in fx["tables"].items():
        rows = read_csv(os.path.join(outdir, spec["csv"]))
        check(rows[0] == [c["key"] for c in spec["cols"]], f"{spec['csv']} header")
        check(len(rows) - 1 == spec["rows"], f"{spec['csv']}: {len(rows) - 1} rows")
        check_table(wb[title], title, spec, rows[1:], public)
    created = wb.properties.created
    want = datetime.datetime.utcfromtimestamp(fx["created"])
    check(created == want, f"{path}: created {created}, want {want}")
    return wb


def check_no_pii(path, fx, outdir):
    """Every cell of every sheet: no full ID number, phone or bank account."""
    secrets = set()
    for spec in fx["tables"].values():
        rows = read_csv(os.path.join(outdir, spec["csv"]))
        for key in fx["pii_keys"]:
            if key in rows[0]:
                i = rows[0].index(key)
                for row in rows[1:]:
                    if row[i]:
                        secrets.add(row[i])
                        secrets.add(row[i].replace(" ", ""))
    check(len(secrets) > 50, f"only {len(secrets)} secrets to look for")
    wb = openpyxl.load_workbook(path)
    scanned = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                scanned += 1
                text = str(cell.value)
                for s in secrets:
                    if s in text:
                        check(False, f"{path}: {ws.title}!{cell.coordinate} leaks {s}")
    check(scanned > 500, f"scanned only {scanned} cells")
    # Nothing hides in the raw XML either (e.g. chart caches, shared strings).
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name).decode("utf-8", "replace")
            for s in secrets:
                check(s not in data, f"{path}: {name} contains {s}")


def check_split(path):
    """1,048,577 data rows: 1,048,575 on the first sheet, 2 on '大表 (2)'."""
    with zipfile.ZipFile(path) as z:
        names = re.findall(r'<sheet name="([^"]*)"', z.read("xl/workbook.xml").decode())
        check(names == ["大表", "大表 (2)"], f"split sheets {names}")
        dims = []
        for n in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
            with z.open(n) as f:
                head = f.read(4096).decode("utf-8", "replace")
            dims.append(re.search(r'<dimension ref="([^"]*)"', head).group(1))
        check(dims == ["A1:A1048576", "A1:A3"], f"split dimensions {dims}")
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb["大表 (2)"]
    got = [tuple(c.value for c in r) for r in ws.iter_rows()]
    check(got == [("序号",), (1048575,), (1048576,)], f"split sheet 2 rows {got}")


def main():
    outdir = sys.argv[1]
    with open(os.path.join(outdir, "fixture.json"), encoding="utf-8") as f:
        fx = json.load(f)
    check_book(os.path.join(outdir, "internal.xlsx"), fx, outdir, public=False)
    check_book(os.path.join(outdir, "public.xlsx"), fx, outdir, public=True)
    check_no_pii(os.path.join(outdir, "public.xlsx"), fx, outdir)
    with open(os.path.join(outdir, "internal.xlsx"), "rb") as a, \
            open(os.path.join(outdir, "internal_again.xlsx"), "rb") as b:
        check(a.read() == b.read(), "internal.xlsx not byte-identical when written alone")
    check_split(os.path.join(outdir, "split.xlsx"))
    print(f"check_xlsx: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
