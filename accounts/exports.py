"""CSV files of what the pages list, for staff to take into a spreadsheet."""

import csv

from django.http import StreamingHttpResponse
from django.utils import timezone

# A cell starting with one of these is run as a formula by spreadsheet programs
# (a customer's name such as "=HYPERLINK(...)"): a leading quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    """csv.writer writes to a file: this one hands each line back to be streamed."""

    def write(self, line):
        return line


def cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return timezone.localtime(value).isoformat(timespec="seconds")
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not is_number(text):
        return "'" + text
    return text


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_download(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    """A CSV attachment streamed row by row (a long statement is never held in memory)."""
    writer = csv.writer(Echo())
    lines = (writer.writerow([cell(value) for value in row]) for row in rows)
    response = StreamingHttpResponse(
        (line for part in ([writer.writerow(header)], lines) for line in part),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
