"""The ``calc`` and ``apr`` commands, run as ``python -m lendapp`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
PBOC_FLOWS = [{"date": "2026-01-01", "amount": "99000.00"}] + [
    {"date": f"{2026 + (month // 12)}-{month % 12 + 1:02d}-01", "amount": "-8833.30"} for month in range(1, 13)
]


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lendapp", *args],
        cwd=REPO_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_calc_json_equal_installment() -> None:
    result = _run("calc", "--amount", "10000", "--annual-rate", "0.24", "--months", "12", "--method", "equal_installment", "--json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["installment"] == "945.60"
    assert output["total_interest"] == "1347.15"
    assert output["total_fees"] == "0.00"
    assert output["total_payment"] == "11347.15"
    assert output["apr_periodic_x_n"] == "24.00"
    assert output["apr_compounded"] == "26.82"
    rows = output["schedule"]
    assert len(rows) == 12
    assert rows[-1]["payment"] == "945.55"
    assert rows[-1]["closing_balance"] == "0.00"
    assert set(rows[0]) == {"number", "due_date", "payment", "principal", "interest", "fee", "closing_balance"}


def test_calc_json_upfront_fee_and_dates() -> None:
    result = _run(
        "calc", "--amount", "10000", "--annual-rate", "0.24", "--months", "12", "--method", "equal_installment",
        "--upfront-fee", "300", "--disbursed", "2026-01-31", "--first-due", "2026-02-28", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["total_fees"] == "300.00"
    assert output["apr_periodic_x_n"] == "29.99"
    assert output["apr_compounded"] == "34.48"
    assert [row["due_date"] for row in output["schedule"][:3]] == ["2026-02-28", "2026-03-31", "2026-04-30"]


def test_calc_json_methods_without_installment() -> None:
    result = _run("calc", "--amount", "5000", "--daily-rate", "0.0005", "--days", "30", "--method", "bullet", "--json")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert output["installment"] is None
    assert output["total_interest"] == "75.00"
    assert output["apr_periodic_x_n"] == "18.25"

    result = _run("calc", "--amount", "12000", "--annual-rate", "0.12", "--months", "12", "--method", "equal_principal", "--json")
    assert json.loads(result.stdout)["installment"] is None


def test_calc_table_output() -> None:
    result = _run("calc", "--amount", "1200", "--annual-rate", "0", "--months", "3", "--method", "interest_only")
    assert result.returncode == 0, result.stderr
    assert "installment       0.00" in result.stdout
    assert "1200.00" in result.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--amount", "abc"], "--amount"),
        (["--amount", "-5"], "--amount"),
        (["--amount", "0"], "--amount"),
        (["--amount", "100000000.01"], "--amount"),
        (["--months", "0"], "--months"),
        (["--months", "361"], "--months"),
        (["--months", "twelve"], "--months"),
        (["--annual-rate", "1.5"], "--annual-rate"),
        (["--annual-rate", "-0.1"], "--annual-rate"),
        (["--method", "balloon"], "--method"),
        (["--disbursed", "2026-02-30"], "--disbursed"),
        (["--first-due", "2026-13-01", "--disbursed", "2026-01-01"], "--first-due"),
        (["--first-due", "2026-06-01", "--disbursed", "2026-01-01"], "--first-due"),
        (["--upfront-fee", "20000"], "--upfront-fee"),
        (["--days", "30"], "--days"),
    ],
)
def test_calc_invalid_input_exit_2(args: list[str], field: str) -> None:
    base = {"--amount": "10000", "--annual-rate": "0.24", "--months": "12", "--method": "equal_installment"}
    for index in range(0, len(args), 2):
        base[args[index]] = args[index + 1]
    if "--days" in base:
        del base["--months"]
    argv = [part for pair in base.items() for part in pair]
    result = _run("calc", *argv, "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert field in lines[0]
    assert "allowed" in lines[0]
    assert "Traceback" not in result.stderr


def test_calc_missing_option_one_line() -> None:
    result = _run("calc", "--amount", "100")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--method" in result.stderr


def test_apr_json_pboc_example() -> None:
    result = _run("apr", "--json", stdin=json.dumps(PBOC_FLOWS))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"apr_periodic_x_n": "12.80", "apr_compounded": "13.58", "apr_actuarial": "12.80"}


def test_apr_json_regulation_z_single_payment() -> None:
    flows = [{"date": "1978-01-03", "amount": "1000.00"}, {"date": "1978-09-15", "amount": "-1080.00"}]
    result = _run("apr", "--json", stdin=json.dumps(flows))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["apr_actuarial"] == "11.45"


def test_apr_table_output() -> None:
    result = _run("apr", stdin=json.dumps(PBOC_FLOWS))
    assert result.returncode == 0, result.stderr
    assert "12.80%" in result.stdout


@pytest.mark.parametrize(
    ("stdin", "field"),
    [
        ("[1", "stdin"),
        ("{}", "cash_flows"),
        ('[{"date": "2026-01-01", "amount": "5"}]', "cash_flows"),
        ('[{"date": "2026-01-01", "amount": "5"}, {"date": "2026-13-01", "amount": "-6"}]', "cash_flows[1].date"),
        ('[{"date": "2026-01-01", "amount": "five"}, {"date": "2026-02-01", "amount": "-6"}]', "cash_flows[0].amount"),
        ('[{"date": "2026-01-01", "amount": "5"}, {"date": "2026-02-01", "amount": "6"}]', "cash_flows"),
        ('[{"date": "2026-01-01", "amount": "5"}, {"day": "2026-02-01"}]', "cash_flows[1]"),
        ('[{"date": "2026-01-01", "amount": "0"}, {"date": "2026-02-01", "amount": "-6"}]', "cash_flows[0].amount"),
    ],
)
def test_apr_invalid_input_exit_2(stdin: str, field: str) -> None:
    result = _run("apr", "--json", stdin=stdin)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert field in lines[0]
    assert "Traceback" not in result.stderr


def test_calc_huge_amount_exits_2() -> None:
    for amount in ("99999999999999999999999999999", "1e400"):
        result = _run("calc", "--amount", amount, "--annual-rate", "0.24", "--months", "12", "--method", "equal_installment")

        assert result.returncode == 2, amount
        assert "--amount" in result.stderr
        assert "Traceback" not in result.stderr
