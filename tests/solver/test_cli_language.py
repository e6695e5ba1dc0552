"""`planlang check` and `planlang fmt`, as a user runs them."""

from pathlib import Path

import pytest
from conftest import EXAMPLES
from typer.testing import CliRunner

from solver.cli import app

runner = CliRunner()
BAD = Path(__file__).resolve().parent.parent / "planlang" / "bad"


def test_check_valid_files_prints_a_summary_per_file():
    result = runner.invoke(app, ["check", *map(str, EXAMPLES)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(EXAMPLES)
    assistant = next(line for line in lines if "assistant.plan" in line)
    assert assistant.endswith("ok: 2 gpu pools, 4 resources, 3 segments, 4 plans, "
                              "6 requirements; 9,450 catalogs to choose from")


def test_check_reports_every_problem_with_location_and_exit_2(tmp_path):
    path = tmp_path / "bad.plan"
    path.write_text((BAD / "several_problems.plan").read_text())
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    headlines = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert [h.split(": error: ")[0] for h in headlines] == [
        f"{path}:3:20", f"{path}:4:17", f"{path}:6:35", f"{path}:9:29", f"{path}:12:10"]
    assert "    lifespan    = 36 mnths\n                     ^~~~~" in result.stderr
    assert "Traceback" not in result.output


def test_check_missing_file_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["check", str(tmp_path / "nope.plan")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr and "No such file" in result.stderr


@pytest.mark.parametrize("command", ["check", "fmt"])
def test_a_missing_file_does_not_stop_the_others(tmp_path, command):
    good = tmp_path / "good.plan"
    good.write_text("plan p { price = $5 }\n")
    result = runner.invoke(app, [command, str(tmp_path / "a.plan"), str(good), str(tmp_path / "b.plan")])
    assert result.exit_code == 2
    assert "a.plan" in result.stderr and "b.plan" in result.stderr
    assert ("good.plan: ok" if command == "check" else "plan p { price = $5 }") in result.stdout


def test_fmt_write_refuses_a_read_only_file(tmp_path):
    path = tmp_path / "locked.plan"
    path.write_text("plan p {price=$5}\n")
    path.chmod(0o444)
    result = runner.invoke(app, ["fmt", "--write", str(path)])
    assert result.exit_code == 2
    assert "cannot rewrite" in result.stderr and "read-only" in result.stderr
    assert path.read_text() == "plan p {price=$5}\n"
    assert path.stat().st_mode & 0o777 == 0o444


def test_fmt_write_keeps_a_symlink_and_rewrites_its_target(tmp_path):
    target = tmp_path / "real.plan"
    target.write_text("plan p {price=$5}\n")
    link = tmp_path / "link.plan"
    link.symlink_to(target)
    result = runner.invoke(app, ["fmt", "--write", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert target.read_text() == "plan p { price = $5 }\n"


def test_fmt_prints_the_canonical_layout(tmp_path):
    path = tmp_path / "messy.plan"
    path.write_text("segment   s {users=5   # five\n}\nrequire margin>=30%\n")
    result = runner.invoke(app, ["fmt", str(path)])
    assert result.exit_code == 0
    assert result.stdout == "segment s {\n  users = 5  # five\n}\n\nrequire margin >= 30%\n"


def test_fmt_write_rewrites_in_place_and_check_then_passes(tmp_path):
    path = tmp_path / "messy.plan"
    path.write_text("plan p {price=$5}\n")
    path.chmod(0o640)
    assert runner.invoke(app, ["fmt", "--check", str(path)]).exit_code == 1
    result = runner.invoke(app, ["fmt", "--write", str(path)])
    assert result.exit_code == 0
    assert path.read_text() == "plan p { price = $5 }\n"
    assert path.stat().st_mode & 0o777 == 0o640
    assert runner.invoke(app, ["fmt", "--check", str(path)]).exit_code == 0
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_fmt_write_leaves_an_invalid_file_untouched(tmp_path):
    path = tmp_path / "broken.plan"
    original = "plan p {price=$5\n  quota x = 3\n"
    path.write_text(original)
    result = runner.invoke(app, ["fmt", "--write", str(path)])
    assert result.exit_code == 2
    assert path.read_text() == original
    assert "error:" in result.stderr


def test_fmt_check_on_canonical_examples():
    canonical = [str(p) for p in EXAMPLES if p.stem != "assistant"]
    result = runner.invoke(app, ["fmt", "--check", *canonical])
    assert result.exit_code == 0, result.output


def test_fmt_refuses_write_with_check(tmp_path):
    path = tmp_path / "a.plan"
    path.write_text("feature f\n")
    result = runner.invoke(app, ["fmt", "--write", "--check", str(path)])
    assert result.exit_code == 2


TOO_LARGE = """gpu g { hourly = $2/hour }
resource r { gpu = 1 s on g }
segment s { users = 10  usage r ~ uniform(1, 2000000000000000)  value r = $0.01 }
plan p { price = $5  quota r = 100 }
"""


@pytest.mark.parametrize("command", [["check"], ["fmt"], ["solve"], ["solve", "--json"]])
def test_a_number_too_large_inside_a_distribution_is_a_located_error(tmp_path, command):
    path = tmp_path / "large.plan"
    path.write_text(TOO_LARGE)
    result = runner.invoke(app, [*command, str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:3:46: error: 2000000000000000 is larger than planlang handles" in result.stderr


def test_the_editor_shows_the_number_too_large():
    import planlang

    _, problems = planlang.analyze(TOO_LARGE)
    assert [(p.line, p.column) for p in problems] == [(3, 46)]
