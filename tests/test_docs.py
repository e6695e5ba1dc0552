"""The project's own reference (docs/) and README: complete files in them
check, every number they quote about a bundled example is what planlang
prints, and nothing points outside the repository."""

import re

import pytest
from conftest import ROOT

import planlang

DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = DOCS + [ROOT / "README.md"]


def blocks(path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_the_reference_is_in_the_repository():
    assert {p.name for p in DOCS} >= {"language.md", "economics.md", "output.md"}


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_nothing_points_outside_the_repository(path):
    text = path.read_text(encoding="utf-8")
    assert "../shared" not in text
    for target in re.findall(r"\]\(([^)#]+)", text):
        if not target.startswith("http"):
            assert (path.parent / target).exists(), target


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_complete_files_in_the_docs_check(path):
    for text in blocks(path, "plan"):
        planlang.loads(text, path.name)


def test_the_complete_file_is_the_bundled_example():
    (text,) = blocks(ROOT / "docs" / "language.md", "plan")
    assert planlang.loads(text) == planlang.load(ROOT / "examples" / "assistant.plan")


def fragments(path) -> list[str]:
    """Plan items quoted as `text` blocks that look like a `plan { ... }` block."""
    return [t for t in blocks(path, "text") if t.lstrip().startswith(("plan ", "gpu "))]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_quoted_blocks_check_in_a_small_file(path):
    base = """
    gpu h100 { hourly = $2/hour }
    resource image { gpu = 1 s on h100 }
    resource video_s { gpu = 9 s on h100 }
    resource message { gpu = 0.1 s on h100 }
    segment s { users = 10  usage image = 5 }
    """
    if path.name == "language.md":
        assert len(fragments(path)) >= 2
    for text in fragments(path):
        planlang.loads(base + text.replace("gpu rented", "gpu other"), path.name)


def test_the_readmes_first_example_is_what_the_command_prints(monkeypatch):
    from typer.testing import CliRunner

    from solver.cli import app

    (shown,) = re.findall(r"```\n\$ planlang solve examples/assistant.plan\n(.*?)```",
                          (ROOT / "README.md").read_text(encoding="utf-8"), flags=re.S)
    monkeypatch.chdir(ROOT)
    printed = CliRunner().invoke(app, ["solve", "examples/assistant.plan"], env={"COLUMNS": "110"}).stdout

    def plain(text: str) -> list[str]:  # the seconds taken change from run to run
        return [re.sub(r"\d+\.\d\d s with", "S s with", line.rstrip()) for line in text.strip().splitlines()]

    assert plain(printed) == plain(shown)
