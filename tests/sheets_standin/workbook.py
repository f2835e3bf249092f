"""The in-memory spreadsheets and the Sheets API operations on them.

Nothing here knows about HTTP or locking: :class:`~tests.sheets_standin.server.SheetsStandin`
holds one lock around every call, which is what makes concurrent appends atomic.
Failures raise :class:`ApiError`, which carries Google's error body.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .a1 import (
    Area,
    ParsedRange,
    RangeSyntaxError,
    Rect,
    column_letters,
    format_area,
    format_range,
    parse_range,
    quote_title,
)
from .cells import (
    DATE_TIME_RENDER_OPTIONS,
    SKIP,
    VALUE_INPUT_OPTIONS,
    VALUE_RENDER_OPTIONS,
    Cell,
    DateTimeRender,
    InputError,
    ValueInput,
    ValueRender,
    from_cell_data,
    from_json,
    from_python,
    render,
)

JSON = dict[str, Any]
Role = Literal["reader", "writer", "owner"]

# A brand-new Google sheet is 1000 x 26; tabs added with data never start smaller than that.
DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26

# Copied from the recorded metadata so that shape comparisons hold key for key.
DEFAULT_FORMAT: JSON = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}

SPREADSHEET_THEME: JSON = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": "TEXT", "color": {"rgbColor": {}}},
        {"colorType": "BACKGROUND", "color": {"rgbColor": {"red": 1, "green": 1, "blue": 1}}},
        {"colorType": "ACCENT1", "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}}},
        {"colorType": "ACCENT2", "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}}},
        {"colorType": "ACCENT3", "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}}},
        {"colorType": "ACCENT4", "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}}},
        {"colorType": "ACCENT5", "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
        {"colorType": "ACCENT6", "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}}},
        {"colorType": "LINK", "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}},
    ],
}

# Formatting-only batchUpdate requests: accepted and ignored, since values are all the stand-in keeps.
_IGNORED_REQUESTS = frozenset(
    {
        "repeatCell",
        "updateBorders",
        "updateDimensionProperties",
        "autoResizeDimensions",
        "setBasicFilter",
        "clearBasicFilter",
        "addConditionalFormatRule",
        "updateCellsFormat",
        "addProtectedRange",
        "setDataValidation",
        "mergeCells",
        "unmergeCells",
    }
)


class ApiError(Exception):
    """An error answer in Google's shape: ``{"error": {"code", "message", "status"}}``."""

    def __init__(self, code: int, message: str, status: str, details: list[JSON] | None = None) -> None:
        super().__init__(f"{code} {status}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def body(self) -> JSON:
        error: JSON = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid_argument(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


def not_found() -> ApiError:
    return ApiError(404, "Requested entity was not found.", "NOT_FOUND")


def permission_denied(message: str = "The caller does not have permission") -> ApiError:
    return ApiError(403, message, "PERMISSION_DENIED")


def not_a_google_sheet() -> ApiError:
    """What Google answers any Sheets API call on an Excel file stored in Drive (it opens in the
    Sheets editor, but the API serves only real Google Sheets)."""
    return ApiError(400, "This operation is not supported for this document", "FAILED_PRECONDITION")


# -------------------------------------------------------------------------------------- model ---


@dataclass
class Tab:
    """One sheet (tab). ``rows`` is ragged: rows and cells past its end are blank."""

    sheet_id: int
    title: str
    row_count: int
    column_count: int
    rows: list[list[Cell | None]] = field(default_factory=list)
    hidden: bool = False
    frozen_row_count: int = 0

    def cell(self, row: int, col: int) -> Cell | None:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return None

    def put(self, row: int, col: int, cell: Cell | None) -> None:
        if cell is None and self.cell(row, col) is None:
            return  # keep the ragged lists short
        while len(self.rows) <= row:
            self.rows.append([])
        line = self.rows[row]
        while len(line) <= col:
            line.append(None)
        line[col] = cell

    def truncate(self) -> None:
        """Drop data outside the grid (after a resize) and trailing blanks."""
        del self.rows[self.row_count :]
        for line in self.rows:
            del line[self.column_count :]
            while line and line[-1] is None:
                line.pop()
        while self.rows and not self.rows[-1]:
            self.rows.pop()

    def properties(self, index: int) -> JSON:
        grid: JSON = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_row_count:
            grid["frozenRowCount"] = self.frozen_row_count
        props: JSON = {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }
        if self.hidden:
            props["hidden"] = True
        return props


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    title: str
    locale: str = "en_US"
    time_zone: str = "Etc/GMT"
    tabs: list[Tab] = field(default_factory=list)
    public: bool = False
    acl: dict[str, Role] = field(default_factory=dict)
    #: An Excel file stored in Drive rather than a Google Sheet: shared and found like one, but every
    #: Sheets API call on it is refused (:func:`not_a_google_sheet`).
    excel_file: bool = False

    def __post_init__(self) -> None:
        # Seeded by the id so sheetIds are stable from run to run for the same spreadsheet.
        self._rng = random.Random(self.spreadsheet_id)

    # ---------------------------------------------------------------------------- tabs ---

    def new_sheet_id(self) -> int:
        used = {tab.sheet_id for tab in self.tabs}
        if 0 not in used and not self.tabs:
            return 0  # the first sheet of a new spreadsheet is gid 0, as in Google
        while True:
            candidate = self._rng.randrange(1, 2**31 - 1)
            if candidate not in used:
                return candidate

    def add_tab(
        self, title: str, rows: Sequence[Sequence[object]] = (), *, grid: tuple[int, int] | None = None,
        user_entered: bool = False, index: int | None = None, sheet_id: int | None = None,
    ) -> Tab:
        if self.find_tab(title) is not None:
            raise ValueError(f"duplicate tab title {title!r}")
        width = max((len(r) for r in rows), default=0)
        row_count, column_count = grid or (max(DEFAULT_ROWS, len(rows)), max(DEFAULT_COLUMNS, width))
        tab = Tab(sheet_id if sheet_id is not None else self.new_sheet_id(), title, row_count, column_count)
        for r, line in enumerate(rows):
            for c, value in enumerate(line):
                tab.put(r, c, from_python(value, user_entered=user_entered, locale=self.locale))
        tab.truncate()
        self.tabs.insert(len(self.tabs) if index is None else index, tab)
        return tab

    def find_tab(self, title: str) -> Tab | None:
        """Sheet titles are unique regardless of case in Google, and ranges match that way."""
        for tab in self.tabs:
            if tab.title == title:
                return tab
        folded = title.casefold()
        return next((tab for tab in self.tabs if tab.title.casefold() == folded), None)

    def tab_by_id(self, sheet_id: int) -> Tab | None:
        return next((tab for tab in self.tabs if tab.sheet_id == sheet_id), None)

    # ------------------------------------------------------------------------ metadata ---

    def metadata(self) -> JSON:
        return {
            "spreadsheetId": self.spreadsheet_id,
            "properties": {
                "title": self.title,
                "locale": self.locale,
                "autoRecalc": "ON_CHANGE",
                "timeZone": self.time_zone,
                "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
                "spreadsheetTheme": copy.deepcopy(SPREADSHEET_THEME),
            },
            "sheets": [{"properties": tab.properties(i)} for i, tab in enumerate(self.tabs)],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit",
        }

    # -------------------------------------------------------------------------- ranges ---

    def resolve(self, text: str) -> tuple[Tab, Rect, ParsedRange]:
        """A range string to a concrete tab and rectangle, with Google's errors."""
        try:
            parsed = parse_range(text)
        except RangeSyntaxError:
            raise invalid_argument(f"Unable to parse range: {text}") from None
        if parsed.sheet_title is None:
            if not self.tabs:
                raise invalid_argument(f"Unable to parse range: {text}")
            tab = self.tabs[0]
        else:
            found = self.find_tab(parsed.sheet_title)
            if found is None:
                raise invalid_argument(f"Unable to parse range: {text}")
            tab = found
        area = parsed.area
        if area is None:
            return tab, Rect(0, tab.row_count, 0, tab.column_count), parsed
        _check_grid(tab, area)
        rect = Rect(
            area.start_row,
            min(area.end_row, tab.row_count) if area.end_row is not None else tab.row_count,
            area.start_col,
            min(area.end_col, tab.column_count) if area.end_col is not None else tab.column_count,
        )
        return tab, rect, parsed

    # ---------------------------------------------------------------------------- read ---

    def read(
        self, text: str, value_render: str = "FORMATTED_VALUE", date_render: str = "SERIAL_NUMBER",
        major: str = "ROWS",
    ) -> JSON:
        """``values.get``: trailing blanks dropped, no ``values`` key when nothing is left."""
        vr, dr, md = _render_options(value_render, date_render, major)
        tab, rect, _ = self.resolve(text)
        body: JSON = {"range": format_range(tab.title, rect), "majorDimension": md}
        values = self._render_rect(tab, rect, vr, dr, md)
        if values:
            body["values"] = values
        return body

    def _render_rect(
        self, tab: Tab, rect: Rect, vr: ValueRender, dr: DateTimeRender, major: str
    ) -> list[list[object]]:
        def at(r: int, c: int) -> object:
            cell = tab.cell(r, c)
            return None if cell is None else render(cell, vr, dr, self.locale)

        if major == "COLUMNS":
            lines = [[at(r, c) for r in range(rect.start_row, rect.end_row)] for c in range(rect.start_col, rect.end_col)]
        else:
            last_row = min(rect.end_row, len(tab.rows))
            lines = [[at(r, c) for c in range(rect.start_col, min(rect.end_col, len(tab.rows[r])))]
                     for r in range(rect.start_row, last_row)]
        return _trim(lines)

    # --------------------------------------------------------------------------- write ---

    def append(
        self, text: str, body: Mapping[str, Any], params: Mapping[str, str]
    ) -> JSON:
        """``values.append``: find the table in the range, write below it (see :func:`find_table`)."""
        option = _input_option(params)
        insert = params.get("insertDataOption", "OVERWRITE")
        if insert not in ("OVERWRITE", "INSERT_ROWS"):
            raise invalid_argument(
                "Invalid value at 'insert_data_option' "
                f"(type.googleapis.com/google.apps.sheets.v4.InsertDataOption), \"{insert}\""
            )
        tab, search, _ = self.resolve(text)
        cells = self._cells_from_body(body, option)
        table = find_table(tab, search)
        if table is None:
            start_row, start_col = search.start_row, search.start_col
        else:
            start_row, start_col = table.end_row, table.start_col
        height = len(cells)
        width = max((len(line) for line in cells), default=0)
        if insert == "INSERT_ROWS" and height:
            if start_row < len(tab.rows):
                tab.rows[start_row:start_row] = [[] for _ in range(height)]
            tab.row_count += height
        tab.row_count = max(tab.row_count, start_row + height)
        tab.column_count = max(tab.column_count, start_col + width)
        updates = self._write(tab, start_row, start_col, cells)
        response: JSON = {"spreadsheetId": self.spreadsheet_id}
        if table is not None:
            response["tableRange"] = format_range(tab.title, table)
        if _flag(params.get("includeValuesInResponse")) and height:
            updates["updatedData"] = self._updated_data(tab, updates["_rect"], params)
        updates.pop("_rect", None)
        response["updates"] = updates
        return response

    def update(self, text: str, body: Mapping[str, Any], params: Mapping[str, str]) -> JSON:
        """``values.update``: write from the range's top-left; the data must fit the range."""
        option = _input_option(params)
        return self._update(text, body, option, params)

    def _update(self, text: str, body: Mapping[str, Any], option: ValueInput, params: Mapping[str, str]) -> JSON:
        tab, rect, parsed = self.resolve(text)
        cells = self._cells_from_body(body, option)
        height = len(cells)
        width = max((len(line) for line in cells), default=0)
        area = parsed.area
        # A single-cell range is only an anchor; any larger explicit range is a fence for the data.
        fenced = area is not None and not (area.end_row == area.start_row + 1 and area.end_col == area.start_col + 1)
        if area is not None and fenced and (
            (area.end_row is not None and rect.start_row + height > area.end_row)
            or (area.end_col is not None and rect.start_col + width > area.end_col)
        ):
            written = Rect(rect.start_row, rect.start_row + height, rect.start_col, rect.start_col + width)
            raise invalid_argument(
                f"Requested writing within range [{quote_title(tab.title, always=True)}!{format_area(area)}], "
                f"but tried writing to {_overflow(area, written)}"
            )
        if rect.start_row + height > tab.row_count or rect.start_col + width > tab.column_count:
            raise invalid_argument(
                f"Range ({quote_title(tab.title, always=True)}!"
                f"{format_area(Area(rect.start_row, rect.start_row + height, rect.start_col, rect.start_col + width))})"
                f" exceeds grid limits. Max rows: {tab.row_count}, max columns: {tab.column_count}"
            )
        updates = self._write(tab, rect.start_row, rect.start_col, cells)
        if _flag(params.get("includeValuesInResponse")) and height:
            updates["updatedData"] = self._updated_data(tab, updates["_rect"], params)
        updates.pop("_rect", None)
        return updates

    def batch_update_values(self, body: Mapping[str, Any]) -> JSON:
        option = body.get("valueInputOption")
        if option not in VALUE_INPUT_OPTIONS:
            raise invalid_argument("'valueInputOption' is required but not specified" if option is None
                                   else f"Invalid value at 'value_input_option', \"{option}\"")
        params = {k: str(v) for k, v in body.items() if k in ("includeValuesInResponse", "responseValueRenderOption",
                                                               "responseDateTimeRenderOption")}
        responses = []
        for item in body.get("data") or []:
            responses.append(self._update(str(item.get("range", "")), item, option, params))
        return {
            "spreadsheetId": self.spreadsheet_id,
            "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
            "totalUpdatedColumns": sum(r.get("updatedColumns", 0) for r in responses),
            "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
            "totalUpdatedSheets": len({r["updatedRange"].rpartition("!")[0] for r in responses if "updatedRange" in r}),
            "responses": responses,
        }

    def clear(self, text: str) -> JSON:
        tab, rect, _ = self.resolve(text)
        for r in range(rect.start_row, min(rect.end_row, len(tab.rows))):
            for c in range(rect.start_col, min(rect.end_col, len(tab.rows[r]))):
                tab.rows[r][c] = None
        tab.truncate()
        return {"spreadsheetId": self.spreadsheet_id, "clearedRange": format_range(tab.title, rect)}

    def _cells_from_body(self, body: Mapping[str, Any], option: ValueInput) -> list[list[Any]]:
        values = body.get("values") or []
        if not isinstance(values, list) or not all(isinstance(line, list) for line in values):
            raise invalid_argument("Invalid JSON payload received. 'values' must be a list of lists.")
        major = body.get("majorDimension") or "ROWS"
        if major not in ("ROWS", "COLUMNS"):
            raise invalid_argument(f"Invalid value at 'data.major_dimension', \"{major}\"")
        try:
            cells = [[from_json(v, option, self.locale) for v in line] for line in values]
        except InputError as err:
            raise invalid_argument(str(err)) from None
        if major == "COLUMNS":
            height = max((len(col) for col in cells), default=0)
            cells = [[col[r] if r < len(col) else SKIP for col in cells] for r in range(height)]
        return cells

    def _write(self, tab: Tab, start_row: int, start_col: int, cells: list[list[Any]]) -> JSON:
        touched_rows: set[int] = set()
        touched_cols: set[int] = set()
        count = 0
        for dr, line in enumerate(cells):
            for dc, cell in enumerate(line):
                if cell is SKIP:
                    continue
                tab.put(start_row + dr, start_col + dc, cell)
                touched_rows.add(dr)
                touched_cols.add(dc)
                count += 1
        tab.truncate()
        if not count:
            return {"spreadsheetId": self.spreadsheet_id, "_rect": None}
        rect = Rect(start_row, start_row + max(touched_rows) + 1, start_col, start_col + max(touched_cols) + 1)
        return {
            "spreadsheetId": self.spreadsheet_id,
            "updatedRange": format_range(tab.title, rect),
            "updatedRows": len(touched_rows),
            "updatedColumns": len(touched_cols),
            "updatedCells": count,
            "_rect": rect,
        }

    def _updated_data(self, tab: Tab, rect: Rect | None, params: Mapping[str, str]) -> JSON:
        if rect is None:
            return {}
        vr, dr, _ = _render_options(
            params.get("responseValueRenderOption", "FORMATTED_VALUE"),
            params.get("responseDateTimeRenderOption", "SERIAL_NUMBER"),
            "ROWS",
        )
        data: JSON = {"range": format_range(tab.title, rect), "majorDimension": "ROWS"}
        values = self._render_rect(tab, rect, vr, dr, "ROWS")
        if values:
            data["values"] = values
        return data

    # ------------------------------------------------------------------- batchUpdate ---

    def batch_update(self, body: Mapping[str, Any]) -> JSON:
        """``spreadsheets.batchUpdate``: all requests apply, or none (as in Google)."""
        requests = body.get("requests")
        if not isinstance(requests, list):
            raise invalid_argument("Invalid JSON payload received. 'requests' must be a list.")
        saved = copy.deepcopy(self.tabs)
        try:
            replies = [self._apply_request(i, request) for i, request in enumerate(requests)]
        except ApiError:
            self.tabs = saved
            raise
        return {"spreadsheetId": self.spreadsheet_id, "replies": replies}

    def _apply_request(self, i: int, request: Mapping[str, Any]) -> JSON:
        if not isinstance(request, Mapping) or len(request) != 1:
            raise invalid_argument(f"Invalid requests[{i}]: exactly one request kind is required.")
        kind, payload = next(iter(request.items()))
        handler: Callable[[int, Mapping[str, Any]], JSON] | None = {
            "addSheet": self._add_sheet,
            "deleteSheet": self._delete_sheet,
            "updateSheetProperties": self._update_sheet_properties,
            "appendDimension": self._append_dimension,
            "appendCells": self._append_cells,
        }.get(kind)
        if handler is not None:
            return handler(i, payload or {})
        if kind in _IGNORED_REQUESTS:
            return {}
        raise invalid_argument(f"Invalid requests[{i}]: the Sheets stand-in does not implement '{kind}'.")

    def _add_sheet(self, i: int, payload: Mapping[str, Any]) -> JSON:
        props = payload.get("properties") or {}
        title = props.get("title") or self._next_default_title()
        if self.find_tab(title) is not None:
            raise invalid_argument(
                f'Invalid requests[{i}].addSheet: A sheet with the name "{title}" already exists. '
                "Please enter another name."
            )
        sheet_id = props.get("sheetId")
        if sheet_id is not None and self.tab_by_id(int(sheet_id)) is not None:
            raise invalid_argument(f"Invalid requests[{i}].addSheet: Sheet with id {sheet_id} already exists.")
        grid = props.get("gridProperties") or {}
        index = props.get("index")
        if index is not None and not 0 <= int(index) <= len(self.tabs):
            raise invalid_argument(f"Invalid requests[{i}].addSheet: index {index} is out of bounds.")
        tab = Tab(
            int(sheet_id) if sheet_id is not None else self.new_sheet_id(),
            title,
            int(grid.get("rowCount", DEFAULT_ROWS)),
            int(grid.get("columnCount", DEFAULT_COLUMNS)),
            hidden=bool(props.get("hidden", False)),
            frozen_row_count=int(grid.get("frozenRowCount", 0)),
        )
        self.tabs.insert(len(self.tabs) if index is None else int(index), tab)
        return {"addSheet": {"properties": tab.properties(self.tabs.index(tab))}}

    def _next_default_title(self) -> str:
        n = len(self.tabs) + 1
        while self.find_tab(f"Sheet{n}") is not None:
            n += 1
        return f"Sheet{n}"

    def _delete_sheet(self, i: int, payload: Mapping[str, Any]) -> JSON:
        sheet_id = payload.get("sheetId")
        tab = self.tab_by_id(int(sheet_id)) if sheet_id is not None else None
        if tab is None:
            raise invalid_argument(f"Invalid requests[{i}].deleteSheet: No grid with id: {sheet_id}")
        if all(t is tab or t.hidden for t in self.tabs):
            raise invalid_argument(
                f"Invalid requests[{i}].deleteSheet: You can't remove all the visible sheets in a document."
            )
        self.tabs.remove(tab)
        return {}

    def _update_sheet_properties(self, i: int, payload: Mapping[str, Any]) -> JSON:
        props = payload.get("properties") or {}
        fields = str(payload.get("fields") or "")
        if not fields:
            raise invalid_argument(f"Invalid requests[{i}].updateSheetProperties: You must specify at least one field to update.")
        tab = self.tab_by_id(int(props.get("sheetId", 0)))
        if tab is None:
            raise invalid_argument(f"Invalid requests[{i}].updateSheetProperties: No grid with id: {props.get('sheetId', 0)}")
        paths = {f.strip().replace("/", ".") for f in fields.split(",")}
        everything = "*" in paths
        grid = props.get("gridProperties") or {}

        def wanted(path: str) -> bool:
            return everything or path in paths or path.split(".")[0] in paths

        if wanted("title") and "title" in props:
            other = self.find_tab(props["title"])
            if other is not None and other is not tab:
                raise invalid_argument(
                    f'Invalid requests[{i}].updateSheetProperties: A sheet with the name "{props["title"]}" '
                    "already exists. Please enter another name."
                )
            tab.title = props["title"]
        if wanted("hidden") and "hidden" in props:
            tab.hidden = bool(props["hidden"])
        if wanted("gridProperties.rowCount") and "rowCount" in grid:
            tab.row_count = int(grid["rowCount"])
        if wanted("gridProperties.columnCount") and "columnCount" in grid:
            tab.column_count = int(grid["columnCount"])
        if wanted("gridProperties.frozenRowCount") and "frozenRowCount" in grid:
            tab.frozen_row_count = int(grid["frozenRowCount"])
        if wanted("index") and "index" in props:
            self.tabs.remove(tab)
            self.tabs.insert(max(0, min(int(props["index"]), len(self.tabs))), tab)
        tab.truncate()
        return {}

    def _append_cells(self, i: int, payload: Mapping[str, Any]) -> JSON:
        """``appendCells``: typed cells after the last row with data in the sheet (not a "table", as
        ``values.append`` finds one), from column A, the grid growing as needed. Only what ``fields``
        names is written; the reply is empty, so the caller learns the row by reading."""
        where = f"Invalid requests[{i}].appendCells"
        tab = self.tab_by_id(int(payload.get("sheetId", 0)))
        if tab is None:
            raise invalid_argument(f"{where}: No grid with id: {payload.get('sheetId', 0)}")
        fields = {f.strip() for f in str(payload.get("fields") or "").split(",") if f.strip()}
        if not fields:
            raise invalid_argument(f"{where}: At least one field must be specified.")
        values = "*" in fields or "userEnteredValue" in fields
        formats = bool({"*", "userEnteredFormat", "userEnteredFormat.numberFormat"} & fields)
        rows = payload.get("rows") or []
        if not isinstance(rows, list):
            raise invalid_argument(f"{where}: 'rows' must be a list of RowData.")
        try:
            cells = [[from_cell_data(data, values=values, formats=formats) for data in (row or {}).get("values") or []]
                     for row in rows]
        except (InputError, AttributeError) as err:
            raise invalid_argument(f"{where}: {err}") from None
        start = len(tab.rows)
        tab.row_count = max(tab.row_count, start + len(cells))
        tab.column_count = max(tab.column_count, max((len(line) for line in cells), default=0))
        for r, line in enumerate(cells):
            for c, cell in enumerate(line):
                tab.put(start + r, c, cell)
        tab.truncate()
        return {}

    def _append_dimension(self, i: int, payload: Mapping[str, Any]) -> JSON:
        tab = self.tab_by_id(int(payload.get("sheetId", 0)))
        if tab is None:
            raise invalid_argument(f"Invalid requests[{i}].appendDimension: No grid with id: {payload.get('sheetId')}")
        length = int(payload.get("length", 0))
        if payload.get("dimension") == "COLUMNS":
            tab.column_count += length
        else:
            tab.row_count += length
        return {}


# ------------------------------------------------------------------------------- helpers ---


def find_table(tab: Tab, search: Rect) -> Rect | None:
    """Google's table detection for ``values.append``.

    Google documents only that the input range is searched for a "table". The recordings pin down
    the behaviour: with row 1 = ``x, (blank), y`` an append to the whole sheet reports
    ``tableRange: Sheet1!C1`` and writes at C2, while an append to ``Sheet1!A1`` reports
    ``Sheet1!A1`` and writes at A2. Modelled as: take the last non-blank cell inside the range
    (bottom-most, then right-most) and grow it into its *current region* - the rectangle bounded by
    blank rows and columns, as Ctrl+A selects - then append below it, from its first column.
    """
    seed: tuple[int, int] | None = None
    for r in range(min(search.end_row, len(tab.rows)) - 1, search.start_row - 1, -1):
        line = tab.rows[r]
        for c in range(min(search.end_col, len(line)) - 1, search.start_col - 1, -1):
            if line[c] is not None:
                seed = (r, c)
                break
        if seed:
            break
    if seed is None:
        return None
    top, bottom, left, right = seed[0], seed[0], seed[1], seed[1]

    def row_filled(r: int, c0: int, c1: int) -> bool:
        if not 0 <= r < len(tab.rows):
            return False
        line = tab.rows[r]
        return any(line[c] is not None for c in range(max(c0, 0), min(c1 + 1, len(line))))

    def col_filled(c: int, r0: int, r1: int) -> bool:
        if c < 0:
            return False
        return any(c < len(tab.rows[r]) and tab.rows[r][c] is not None for r in range(max(r0, 0), min(r1 + 1, len(tab.rows))))

    grown = True
    while grown:
        grown = False
        while row_filled(bottom + 1, left - 1, right + 1):
            bottom += 1
            grown = True
        while row_filled(top - 1, left - 1, right + 1):
            top -= 1
            grown = True
        while col_filled(right + 1, top - 1, bottom + 1):
            right += 1
            grown = True
        while col_filled(left - 1, top - 1, bottom + 1):
            left -= 1
            grown = True
    return Rect(top, bottom + 1, left, right + 1)


def _check_grid(tab: Tab, area: Area) -> None:
    beyond = (
        area.start_row >= tab.row_count
        or area.start_col >= tab.column_count
        or (area.end_row is not None and area.end_row > tab.row_count)
        or (area.end_col is not None and area.end_col > tab.column_count)
    )
    if beyond:
        raise invalid_argument(
            f"Range ({quote_title(tab.title, always=True)}!{format_area(area)}) exceeds grid limits. "
            f"Max rows: {tab.row_count}, max columns: {tab.column_count}"
        )


def _overflow(area: Area, written: Rect) -> str:
    if area.end_col is not None and written.end_col > area.end_col:
        return f"column [{column_letters(area.end_col)}]"
    return f"row [{(area.end_row or 0) + 1}]"


def _trim(lines: list[list[object]]) -> list[list[object]]:
    """Drop trailing blanks in each line and trailing empty lines; inner blanks become ""."""
    out: list[list[object]] = []
    for line in lines:
        end = len(line)
        while end and line[end - 1] is None:
            end -= 1
        out.append(["" if v is None else v for v in line[:end]])
    while out and not out[-1]:
        out.pop()
    return out


def _render_options(value_render: str, date_render: str, major: str) -> tuple[ValueRender, DateTimeRender, str]:
    if value_render not in VALUE_RENDER_OPTIONS:
        raise invalid_argument(
            "Invalid value at 'value_render_option' "
            f"(type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), \"{value_render}\""
        )
    if date_render not in DATE_TIME_RENDER_OPTIONS:
        raise invalid_argument(
            "Invalid value at 'date_time_render_option' "
            f"(type.googleapis.com/google.apps.sheets.v4.DateTimeRenderOption), \"{date_render}\""
        )
    if major not in ("ROWS", "COLUMNS"):
        raise invalid_argument(
            f"Invalid value at 'major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), \"{major}\""
        )
    return value_render, date_render, major  # type: ignore[return-value]


def _input_option(params: Mapping[str, str]) -> ValueInput:
    option = params.get("valueInputOption")
    if option is None:
        raise invalid_argument("'valueInputOption' is required but not specified")
    if option not in VALUE_INPUT_OPTIONS:
        raise invalid_argument(
            "Invalid value at 'value_input_option' "
            f"(type.googleapis.com/google.apps.sheets.v4.ValueInputOption), \"{option}\""
        )
    return option  # type: ignore[return-value]


def _flag(value: str | None) -> bool:
    return value is not None and value.lower() == "true"
