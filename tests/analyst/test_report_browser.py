"""The HTML report, rendered in headless Chromium (Debian's `chromium`,
which .ci/run installs): every chart drew, with data, and the page logged
no error. A screenshot lands in the test's temp dir."""

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

from solver.cli import app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if CHROMIUM is None and os.environ.get("PLANLANG_REQUIRE_BROWSER"):
    raise RuntimeError("chromium is missing: .ci/run installs Debian's chromium package")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The report of the teams example with a sweep of its GPU price."""
    folder = tmp_path_factory.mktemp("report")
    teams = str(next(p for p in EXAMPLES if p.stem == "teams"))
    runner = CliRunner()
    swept = runner.invoke(app, ["sweep", teams, "--set", "gpu.h100.hourly=x1..x0.1 step 0.3", "--jobs", "1",
                                "-o", str(folder / "sweep.json")])
    assert swept.exit_code == 0, swept.output
    made = runner.invoke(app, ["report", teams, "-o", str(folder / "report.html"), "--sweep", str(folder / "sweep.json")])
    assert made.exit_code == 0, made.output
    return folder / "report.html"


def test_the_report_is_one_file(report: Path):
    page = report.read_text()
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)  # nothing beside it to load
    assert "Plotly.newPlot" in page


def draw(report: Path, screenshot: Path) -> tuple[list[dict], list[str], list[str]]:
    """Open the page in headless Chromium with no network: every chart's
    SVG count, drawn marks and data points; console errors; URLs it tried."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS[1:])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        fetched: list[str] = []  # the page must draw with no network at all
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                   else (fetched.append(route.request.url), route.abort()))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(report.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
        charts = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].map(div => ({
            id: div.id,
            svg: div.querySelectorAll('svg.main-svg').length,
            marks: div.querySelectorAll('g.point, g.trace path, path.point').length,
            points: (div.data || []).reduce((n, trace) => n + ((trace.y || []).filter(v => v !== null).length), 0),
        }))""")
        page.screenshot(path=str(screenshot), full_page=True)
        browser.close()
    return charts, errors, fetched


def test_every_chart_draws_with_data_and_no_console_errors(report: Path, tmp_path: Path):
    charts, errors, fetched = draw(report, tmp_path / "report.png")
    ids = {c["id"] for c in charts}
    assert {"plans", "gpu", "sweep-totals", "sweep-prices", "sweep-users"} <= ids
    assert {"segment-0", "segment-1", "segment-2"} <= ids  # one per segment of teams
    assert "credits" not in ids  # teams sells no credits
    for chart in charts:
        assert chart["svg"] > 0, chart
        assert chart["points"] > 0 and chart["marks"] > 0, chart
    assert errors == []
    assert fetched == []
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_a_catalog_sold_in_credits_shows_its_breakage(tmp_path: Path):
    creative = str(next(p for p in EXAMPLES if p.stem == "creative"))
    made = CliRunner().invoke(app, ["report", creative, "-o", str(tmp_path / "report.html")])
    assert made.exit_code == 0, made.output
    page = (tmp_path / "report.html").read_text()
    assert "<h2>Credits</h2>" in page and "<th>breakage</th>" in page
    charts, errors, fetched = draw(tmp_path / "report.html", tmp_path / "report.png")
    credits = next(c for c in charts if c["id"] == "credits")
    assert credits["svg"] > 0 and credits["marks"] > 0
    assert credits["points"] == 2 * 4  # spent and breakage for each of the 4 plans sold in credits
    assert errors == [] and fetched == []
