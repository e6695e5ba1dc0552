"""The language server with what no editor should send, byte for byte over
stdio: every request is answered, nothing prints a traceback, and the
framing recovers after garbage. Also: each version of a document is
analyzed once (benchmarks/lsp.py times hover and completion on it)."""

import json
import subprocess
import sys

import pytest
from lsprotocol import types as lsp
from pygls.workspace import Workspace

URI = "file:///robust.plan"
TEXT = "gpu g { hourly = $2/hour }\nresource m { gpu = 1 s on g }\nplan p { price = $1  quota m = 10 }\n"


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def message(**fields) -> bytes:
    return frame(json.dumps({"jsonrpc": "2.0", **fields}).encode())


START = [message(id=1, method="initialize", params={"processId": None, "rootUri": None, "capabilities": {}}),
         message(method="initialized", params={})]
OPEN = message(method="textDocument/didOpen", params={"textDocument": {
    "uri": URI, "languageId": "planlang", "version": 1, "text": TEXT}})
END = [message(id=99, method="shutdown"), message(method="exit")]


def session(*chunks: bytes) -> tuple[list[dict], str]:
    """What the server answers to `chunks` (after initialize, before shutdown), and its stderr."""
    done = subprocess.run([sys.executable, "-m", "solver.cli", "lsp"], input=b"".join(START + list(chunks) + END),
                          capture_output=True, timeout=60)
    answers = []
    for part in done.stdout.split(b"Content-Length:")[1:]:
        answers.append(json.loads(part.split(b"\r\n\r\n", 1)[1]))
    assert 99 in [a.get("id") for a in answers], "the session did not reach shutdown"
    return [a for a in answers if a.get("id") not in (1, 99) and "method" not in a], done.stderr.decode()


@pytest.mark.parametrize("request_, code", [
    (message(id=2, method="textDocument/hover", params={"nothing": 1}), -32602),
    (message(id=2, method="textDocument/completion", params={"textDocument": {"uri": 7}, "position": "x"}), -32602),
    (message(id=2, method="textDocument/definition"), -32602),
    (message(id=2, method="no/such/method", params={}), -32601),
], ids=["hover", "completion", "definition-without-params", "unknown-method"])
def test_a_request_with_params_that_do_not_fit_gets_an_error_answer(request_, code):
    answers, stderr = session(OPEN, request_)
    assert [(a["id"], a["error"]["code"]) for a in answers] == [(2, code)]
    assert "Traceback" not in stderr


def test_a_body_that_is_not_json_is_answered_with_a_parse_error_and_the_session_goes_on():
    answers, stderr = session(frame(b"{not json"), OPEN, message(id=3, method="textDocument/hover", params={
        "textDocument": {"uri": URI}, "position": {"line": 2, "character": 6}}))
    assert answers[0] == {"jsonrpc": "2.0", "id": None, "error": answers[0]["error"]}
    assert answers[0]["error"]["code"] == -32700
    assert answers[1]["id"] == 3 and "plan p" in answers[1]["result"]["contents"]["value"]
    assert "Traceback" not in stderr


def test_the_framing_recovers_after_garbage():
    answers, stderr = session(b"garbage\r\nmore garbage\r\n\r\n", b"Content-Length: x\r\n\r\n", OPEN,
                              message(id=4, method="textDocument/hover", params={
                                  "textDocument": {"uri": URI}, "position": {"line": 0, "character": 4}}))
    assert [a["id"] for a in answers] == [4] and "gpu g" in answers[0]["result"]["contents"]["value"]
    assert "Traceback" not in stderr


def test_a_document_never_opened_has_nothing_to_show_and_cannot_be_formatted():
    never = {"uri": "file:///never-opened.plan"}
    answers, stderr = session(
        message(id=5, method="textDocument/hover", params={"textDocument": never, "position": {"line": 0, "character": 0}}),
        message(id=6, method="textDocument/formatting", params={"textDocument": never,
                                                                 "options": {"tabSize": 2, "insertSpaces": True}}),
        message(id=7, method="textDocument/documentSymbol", params={"textDocument": never}))
    by_id = {a["id"]: a for a in answers}
    assert by_id[5]["result"] is None and by_id[7]["result"] == []
    assert by_id[6]["error"]["code"] == -32602 and "is not open in the editor" in by_id[6]["error"]["message"]
    assert "Traceback" not in stderr


def test_positions_beyond_the_text_are_answered():
    answers, _ = session(OPEN, *[message(id=10 + i, method=method, params={
        "textDocument": {"uri": URI}, "position": {"line": 500, "character": 900}})
        for i, method in enumerate(["textDocument/hover", "textDocument/completion", "textDocument/definition"])])
    assert sorted(a["id"] for a in answers) == [10, 11, 12] and not any("error" in a for a in answers)


def test_each_version_of_a_document_is_analyzed_once(monkeypatch):
    from planlang import api
    from planlang.editor import lsp as server

    calls = []
    analyze = api.analyze
    monkeypatch.setattr(api, "analyze", lambda *a, **k: calls.append(1) or analyze(*a, **k))
    monkeypatch.setattr(server.server.protocol, "_workspace", Workspace(None))
    workspace = server.server.workspace
    workspace.put_text_document(lsp.TextDocumentItem(uri=URI, language_id="planlang", version=1, text=TEXT))
    where = lsp.TextDocumentPositionParams(text_document=lsp.TextDocumentIdentifier(uri=URI),
                                           position=lsp.Position(line=2, character=6))
    for _ in range(3):
        assert "plan p" in server.hover(lsp.HoverParams(text_document=where.text_document, position=where.position)).contents.value
        server.completion(lsp.CompletionParams(text_document=where.text_document, position=where.position))
        server.definition(lsp.DefinitionParams(text_document=where.text_document, position=where.position))
    assert len(calls) == 1
    workspace.update_text_document(lsp.VersionedTextDocumentIdentifier(uri=URI, version=2),
                                   lsp.TextDocumentContentChangeWholeDocument(text=TEXT.replace("$1", "$2")))
    assert "plan p" in server.hover(lsp.HoverParams(text_document=where.text_document, position=where.position)).contents.value
    assert len(calls) == 2
