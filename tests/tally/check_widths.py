#!/usr/bin/python3
"""check_widths.py - every text cell of a workbook fits its column: the
column is at least as wide as the text's display width (CJK characters count
two), so no text is cut off by the next column.
Usage: check_widths.py BOOK.xlsx"""
import sys
import unicodedata

import openpyxl
from openpyxl.utils import get_column_letter


def display_width(s):
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def main(path):
    wb = openpyxl.load_workbook(path)
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str):
                    continue
                # a text with empty cells to its right spills over them
                nxt = ws.cell(row=cell.row, column=cell.column + 1).value
                if nxt is None:
                    continue
                letter = get_column_letter(cell.column)
                width = ws.column_dimensions[letter].width or 8.43
                if display_width(cell.value) > width:
                    bad.append("%s!%s%d: %r wider (%d) than its column (%s)"
                               % (ws.title, letter, cell.row, cell.value,
                                  display_width(cell.value), width))
    for b in bad:
        print("FAIL:", b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
