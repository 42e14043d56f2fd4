"""Downloads of each risk-dashboard chart's aggregated data as CSV or Excel.

``GET /api/risk/export/{chart}.{fmt}?from=YYYY-MM-DD&to=YYYY-MM-DD&product=CODE``
returns the chart's points (never loan rows) with the chart and the filters in
the file name, for example ``risk_vintages_2026-01-01_2026-03-31_all.xlsx``.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import logging

from openpyxl import Workbook
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lendapp.api.auth import requires_permission
from lendapp.domain.permissions import Permission
from lendapp.services import risk_dashboard
from lendapp.services.risk_alerts import training_score_reference
from lendapp.services.auth_errors import InvalidInputError

logger = logging.getLogger(__name__)

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise InvalidInputError("risk_dashboard.error.date") from error


def _csv_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    # The byte-order mark lets Excel open the UTF-8 file with Chinese text intact.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_bytes(sheet_name: str, header: list[str], rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@requires_permission(Permission.RISK_DASHBOARD)
async def export_chart(request: Request) -> Response:
    """Send one chart's data for the query's filters as a CSV or Excel attachment."""
    name = request.path_params["chart"]
    fmt = request.path_params["fmt"]
    if name not in risk_dashboard.CHART_NAMES or fmt not in FORMATS:
        return JSONResponse({"error": "not_found"}, status_code=404)
    try:
        filters = risk_dashboard.DashboardFilters(
            date_from=_date(request.query_params.get("from")),
            date_to=_date(request.query_params.get("to")),
            product_code=request.query_params.get("product", "")[:64],
        )
    except InvalidInputError as error:
        return JSONResponse({"error": error.key}, status_code=400)
    principal = request.state.principal
    reference = await asyncio.to_thread(training_score_reference) if name == "psi" else None
    data = await asyncio.to_thread(risk_dashboard.chart, principal, name, filters, reference)
    header, rows = risk_dashboard.chart_table(name, data)
    file_name = f"risk_{name}_{filters.slug()}.{fmt}"
    body = _csv_bytes(header, rows) if fmt == "csv" else _xlsx_bytes(name, header, rows)
    logger.info("User %s exported %s", principal.user_id, file_name)
    return Response(body, media_type=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{file_name}"'})


RISK_EXPORT_ROUTES = [Route("/api/risk/export/{chart}.{fmt}", export_chart, methods=["GET"])]
