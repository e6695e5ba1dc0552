"""`planlang` run as a new user runs it: a separate process, whatever its
solver library prints. Every command that writes JSON writes exactly one
document on stdout, on success and on bad input."""

import json
import subprocess
import sys

import pytest
from conftest import EXAMPLES

ASSISTANT = next(str(p) for p in EXAMPLES if p.stem == "assistant")
# Stands for any library that writes to file descriptor 1 from C code (highspy 1.16 prints a banner
# when its first solver object is made): here every Highs object writes to fd 1 as it is made.
NOISY_HIGHS = """
import os, highspy
_made = highspy.Highs.__init__
def noisy(self, *args, **kwargs):
    os.write(1, b"Running HiGHS (a banner on stdout)\\n")
    _made(self, *args, **kwargs)
highspy.Highs.__init__ = noisy
"""


def planlang(*args: str, noisy: bool = True, cwd=None, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The command line in its own process (as `planlang ARGS`), with the noisy solver library."""
    start = (NOISY_HIGHS if noisy else "") + "import sys\nfrom solver.cli import main\nsys.argv = ['planlang', *sys.argv[1:]]\nmain()\n"
    return subprocess.run([sys.executable, "-c", start, *args], capture_output=True, text=True, cwd=cwd,
                          input=stdin, timeout=300)


def one_document(done: subprocess.CompletedProcess):
    """The one JSON document on stdout (json.loads refuses anything else around it)."""
    assert done.stdout.strip(), done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("args", [
    ["solve", ASSISTANT, "--json"],
    ["solve", ASSISTANT, "--json", "--solver", "highs-pulp"],
    ["solve", ASSISTANT, "--json", "--robust", "--vary", "gpu.rented.hourly=uniform(x0.9, x1.1)", "--samples", "2"],
    ["risk", ASSISTANT, "--json", "--vary", "gpu.rented.hourly=uniform(x0.9, x1.1)", "--samples", "3", "--jobs", "1"],
    ["export", ASSISTANT, "--to", "stripe"],
    ["export", ASSISTANT, "--to", "lago"],
], ids=["solve", "solve-highs-pulp", "robust", "risk", "export-stripe", "export-lago"])
def test_a_json_command_prints_one_document_whatever_the_solver_prints(args):
    done = planlang(*args)
    assert done.returncode == 0, done.stderr
    document = one_document(done)
    assert document
    assert "noise" not in done.stdout and "banner" not in done.stdout


def test_eval_json_is_one_document(tmp_path):
    solved = planlang("solve", ASSISTANT, "--json")
    solution = tmp_path / "solution.json"
    solution.write_text(solved.stdout)
    done = planlang("eval", ASSISTANT, "--solution", str(solution), "--json")
    assert done.returncode == 0, done.stderr
    assert one_document(done)["objective"] == pytest.approx(one_document(solved)["objective"], rel=1e-12)


def test_fit_json_is_one_document(tmp_path):
    made = planlang("simulate", ASSISTANT, "-o", str(tmp_path / "events.csv"), "--month", "2026-10",
                    "--scale", "0.0001", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    done = planlang("fit", str(tmp_path / "events.csv"), "--users", str(tmp_path / "users.csv"), "--json")
    assert done.returncode == 0, done.stderr
    assert set(one_document(done)["segments"]) == {"casual", "creator", "support_desk"}


@pytest.mark.parametrize("args", [
    ["solve", "missing.plan", "--json"],
    ["solve", "missing.plan", "--json", "--robust", "--vary", "gpu.rented.hourly=uniform(x0.9, x1.1)"],
    ["eval", "missing.plan", "--json"],
    ["risk", "missing.plan", "--json", "--vary", "gpu.rented.hourly=uniform(x0.9, x1.1)"],
    ["risk", ASSISTANT, "--json", "--vary", "nothing.here=uniform(1, 2)"],
    ["fit", "missing.csv", "--json"],
], ids=["solve", "robust", "eval", "risk-file", "risk-vary", "fit"])
def test_bad_input_is_still_one_json_document(args, tmp_path):
    done = planlang(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    document = one_document(done)
    assert document["status"] == "error" and document["message"]
    assert "Traceback" not in done.stderr


def _framed(*messages: dict) -> str:
    bodies = [json.dumps(m) for m in messages]
    return "".join(f"Content-Length: {len(b.encode())}\r\n\r\n{b}" for b in bodies)


def _answers(stdout: bytes) -> list[dict]:
    return [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in stdout.split(b"Content-Length:")[1:]]


def test_the_language_server_writes_only_the_protocol_on_stdout():
    # analysis that prints (as a careless library might, in Python and in C) must not reach the protocol
    starter = """
import os
from planlang import api
_analyze = api.analyze
def noisy(*args, **kwargs):
    print("a stray print")
    os.write(1, b"a stray write\\n")
    return _analyze(*args, **kwargs)
api.analyze = noisy
import sys
from solver.cli import main
sys.argv = ['planlang', 'lsp']
main()
"""
    uri = "file:///tmp/a.plan"
    framed = _framed(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None, "rootUri": None,
                                                                       "capabilities": {}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "planlang", "version": 1, "text": "plan p { price = 30000 }\n"}}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": {
            "textDocument": {"uri": uri}, "position": {"line": 0, "character": 1}}},
        {"jsonrpc": "2.0", "id": 3, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"})
    done = subprocess.run([sys.executable, "-c", starter], input=framed.encode(), capture_output=True, timeout=60)
    assert done.stdout.startswith(b"Content-Length:"), done.stdout[:200]
    assert b"stray" not in done.stdout and b"stray" in done.stderr
    answers = _answers(done.stdout)
    assert [a["id"] for a in answers if "id" in a] == [1, 2, 3]
    assert any(a.get("method") == "textDocument/publishDiagnostics" for a in answers)
