"""Sortable, filterable tables (itables, offline: its DataTables bundle is embedded once in the report, so the
HTML works without a network). Numbers stay numbers, so columns sort by value; they are *shown* with units and
"—" where empty, by small display functions."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

__all__ = ["FORMATS", "TABLE_CSS", "init_offline_html", "interactive_table_html"]

#: Text reads from the left; DataTables right-aligns the numeric columns itself (``dt-type-numeric``).
TABLE_CSS = (
    "<style>table.dataTable th, table.dataTable td { text-align: left !important; white-space: normal; }"
    " table.dataTable th.dt-type-numeric, table.dataTable td.dt-type-numeric { text-align: right !important; }"
    " .dt-container { font-size: 13px; }</style>"
)

_EMPTY = "if (Array.isArray(data)) data = data[1]; if (typeof data === 'string' && data !== '') data = Number(data); if (data === null || data === undefined || data === '' || Number.isNaN(data)) return type === 'display' ? '{empty}' : -Infinity;"

#: Display functions by kind, for DataTables' ``render`` (``type`` is "display", "sort", "filter"…).
FORMATS: dict[str, str] = {
    "seconds": "function (data, type) { %s if (type !== 'display') return data; "
    "return data >= 1 ? data.toFixed(1) + ' s' : (data * 1000).toFixed(0) + ' ms'; }",
    "share": "function (data, type) { %s if (type !== 'display') return data; "
    "return (data * 100).toFixed(0) + ' %%'; }",
    "number": "function (data, type) { %s if (type !== 'display') return data; "
    "return Math.abs(data) >= 100 ? data.toFixed(0) : Number(data.toPrecision(3)).toString(); }",
    "bytes": "function (data, type) { %s if (type !== 'display') return data; "
    "return data >= 1e6 ? (data / 1e6).toFixed(1) + ' MB' : (data / 1e3).toFixed(0) + ' kB'; }",
}


def init_offline_html() -> str:
    """The DataTables bundle as one HTML snippet (display it once, before the first table)."""
    from itables.javascript import generate_init_offline_itables_html
    from itables.utils import find_package_file

    return generate_init_offline_itables_html(find_package_file("html/dt_bundle.js"))


def interactive_table_html(
    frame: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    *,
    empty: Mapping[str, str] | None = None,
    caption: str | None = None,
    page_length: int = 25,
    controls: bool = True,
) -> str:
    """``frame`` as a DataTables table; ``formats`` maps columns to a kind of :data:`FORMATS`, ``empty`` maps
    columns to the words shown for a missing value (default "—"). ``controls``: the search box and paging stay
    however few the rows (itables drops them from a table that fits one page)."""
    from itables import JavascriptFunction, to_html_datatable

    formats = dict(formats or {})
    empty = dict(empty or {})
    data = frame.copy()
    column_defs = []
    for column, kind in formats.items():
        if column not in data:
            continue
        index = list(data.columns).index(column)
        values = pd.to_numeric(data[column], errors="coerce").astype(float)
        data[column] = values.astype(object).where(values.notna(), None)
        words = empty.get(column, "—").replace("'", "\\'")
        column_defs.append(
            {
                "targets": [index],
                "render": JavascriptFunction(FORMATS[kind] % _EMPTY.replace("{empty}", words)),
            }
        )
    for column in data.columns:
        if column not in formats and data[column].dtype == object:
            data[column] = data[column].astype(object).where(data[column].notna(), "")
    return to_html_datatable(
        data,
        caption=caption,
        connected=False,
        columnDefs=column_defs,
        pageLength=page_length,
        lengthMenu=[10, 25, 100, -1],
        classes="display compact cell-border",
        layout=(
            {"topStart": "search", "topEnd": "pageLength", "bottomStart": "info", "bottomEnd": "paging"}
            if controls
            else {"topStart": None, "topEnd": None, "bottomStart": None, "bottomEnd": None}
        ),
        column_filters="footer" if controls else False,
        showIndex=False,
        format_floats_in_python=False,
        scrollX=True,
        maxBytes=0,
        style="table-layout:auto;width:100%;margin:0",
    )
