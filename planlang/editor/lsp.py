"""`planlang lsp`: a Language Server for .plan files over stdio (pygls).

It reuses the checker and the formatter, so an editor shows exactly what
`planlang check` says and formats exactly as `planlang fmt`: diagnostics on
open and (debounced) on change, formatting (refused while the file has
errors), hover, go to definition, references, completion, document
symbols, and "did you mean" quick fixes. Editor-independent knowledge
(names, meanings, what may be typed) lives in planlang/editor/symbols.py.

Every request gets an answer, whatever an editor (or anything else on the
other end) sends: params that do not fit the request get -32602 with the
request's id, a body that is not JSON gets -32700, a document that was
never opened gets nothing to hover or an error to format, and none of it
prints a traceback. Each version of a document is analyzed once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys

from lsprotocol import types as lsp
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from planlang import api
from planlang.editor import symbols
from planlang.model import Competitor, Feature, Gpu, Plan, Require, Resource, Segment, Span

DEBOUNCE = 0.25  # seconds of quiet typing before a changed file is checked again
SYMBOL_KINDS = {Gpu: lsp.SymbolKind.Class, Resource: lsp.SymbolKind.Variable, Segment: lsp.SymbolKind.Struct,
                Plan: lsp.SymbolKind.Module, Competitor: lsp.SymbolKind.Interface, Require: lsp.SymbolKind.Property}


class _Refused:
    """A request whose params do not fit its method: answered -32602."""

    jsonrpc = "2.0"

    def __init__(self, msg_id, method: str):
        self.id, self.method = msg_id, method


class _Protocol(LanguageServerProtocol):
    """pygls's protocol, answering requests it would drop: pygls gives up on
    a message whose params do not fit its method, without an answer."""

    def structure_message(self, data):
        try:
            return super().structure_message(data)
        except JsonRpcException:
            if isinstance(data, dict) and "id" in data and "method" in data:
                return _Refused(data["id"], str(data["method"]))
            raise  # a notification: nothing to answer

    def handle_message(self, message):
        if isinstance(message, _Refused):
            error = JsonRpcInvalidParams(f"the params of {message.method} are not what it takes")
            self._send_response(message.id, error=error.to_response_error())
            return
        super().handle_message(message)


class _Server(LanguageServer):
    def report_server_error(self, error: Exception, source) -> None:
        """A body that is not JSON is answered -32700 (with no id: it could
        not be read); other troubles outside a request are shown to the
        user, as pygls does."""
        if isinstance(error, json.JSONDecodeError):  # JSON-RPC: the id is null when it could not be read
            self.protocol._send_data({"jsonrpc": "2.0", "id": None, "error": {
                "code": -32700, "message": f"parse error: the message is not JSON ({error})"}})
            return
        super().report_server_error(error, source)


server = _Server("planlang", "0.1", protocol_cls=_Protocol)
_pending: dict[str, asyncio.TimerHandle] = {}
_analyses: dict[str, tuple[int | None, str, symbols.Analysis]] = {}


def _range(span: Span) -> lsp.Range:
    end_line = span.end_line or span.line
    end_column = span.end_column or span.column + 1
    return lsp.Range(start=lsp.Position(line=max(span.line - 1, 0), character=max(span.column - 1, 0)),
                     end=lsp.Position(line=max(end_line - 1, 0), character=max(end_column - 1, 0)))


def _analyzed(uri: str) -> symbols.Analysis | None:
    """The analysis of an open document (None for one never opened), made
    once per version of its text."""
    document = server.workspace.text_documents.get(uri)
    if document is None:
        return None
    text = document.source
    cached = _analyses.get(uri)
    if cached is not None and cached[0] == document.version and cached[1] is text:
        return cached[2]
    analysis = symbols.Analysis(text, document.path or uri)
    _analyses[uri] = (document.version, text, analysis)
    return analysis


def diagnostics(uri: str) -> list[lsp.Diagnostic]:
    analysis = _analyzed(uri)
    problems = analysis.problems if analysis is not None else []
    return [lsp.Diagnostic(range=_range(Span(d.line, d.column, d.end_line, d.end_column)), message=d.message,
                           severity=lsp.DiagnosticSeverity.Error, source="planlang") for d in problems]


def _publish(uri: str) -> None:
    _pending.pop(uri, None)
    server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics(uri)))


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(params: lsp.DidOpenTextDocumentParams) -> None:
    _publish(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri in _pending:
        _pending[uri].cancel()
    _pending[uri] = asyncio.get_running_loop().call_later(DEBOUNCE, _publish, uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri in _pending:
        _pending.pop(uri).cancel()
    _analyses.pop(uri, None)
    server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
def formatting(params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
    uri = params.text_document.uri
    analysis = _analyzed(uri)
    if analysis is None:
        raise JsonRpcInvalidParams(f"{uri} is not open in the editor: open it before formatting it")
    if analysis.problems:
        return []  # as `planlang fmt`: a file with errors is not reformatted
    whole = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=len(analysis.lines), character=0))
    return [lsp.TextEdit(range=whole, new_text=api.dumps(analysis.model))]


def _position(params) -> tuple[symbols.Analysis | None, int, int]:
    return _analyzed(params.text_document.uri), params.position.line + 1, params.position.character + 1


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(params: lsp.HoverParams) -> lsp.Hover | None:
    analysis, line, column = _position(params)
    found = analysis.hover(line, column) if analysis is not None else None
    if found is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.PlainText, value=found))


def _named(params) -> tuple[str, list[symbols.Occurrence], symbols.Occurrence | None]:
    analysis, line, column = _position(params)
    if analysis is None:
        return params.text_document.uri, [], None
    return params.text_document.uri, analysis.occurrences, analysis.at(line, column)


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(params: lsp.DefinitionParams) -> lsp.Location | None:
    uri, every, found = _named(params)
    if found is None:
        return None
    declared = next((o for o in every if o.declaration and (o.kind, o.name) == (found.kind, found.name)), None)
    return None if declared is None else lsp.Location(uri=uri, range=_range(declared.span))


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
def references(params: lsp.ReferenceParams) -> list[lsp.Location]:
    uri, every, found = _named(params)
    if found is None:
        return []
    return [lsp.Location(uri=uri, range=_range(o.span)) for o in every
            if (o.kind, o.name) == (found.kind, found.name) and (params.context.include_declaration or not o.declaration)]


COMPLETION_KINDS = {"keyword": lsp.CompletionItemKind.Keyword, "unit": lsp.CompletionItemKind.Unit}


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[" ", "(", ","]))
def completion(params: lsp.CompletionParams) -> lsp.CompletionList:
    analysis, line, column = _position(params)
    found = analysis.completions(line, column) if analysis is not None else []
    items = [lsp.CompletionItem(label=label, kind=COMPLETION_KINDS.get(kind, lsp.CompletionItemKind.Reference),
                                detail=kind) for label, kind in found]
    return lsp.CompletionList(is_incomplete=False, items=items)


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    from planlang.format import expr_text

    analysis = _analyzed(params.text_document.uri)
    out = []
    for statement in analysis.model.statements if analysis is not None else ():
        if isinstance(statement, Require):
            name = f"{expr_text(statement.left)} {statement.op} {expr_text(statement.right)}"
            kind, selection = SYMBOL_KINDS[Require], statement.span
        elif isinstance(statement, Feature):
            name, kind, selection = statement.name.name, lsp.SymbolKind.Boolean, statement.name.span
        elif type(statement) in SYMBOL_KINDS:
            name, kind, selection = statement.name.name, SYMBOL_KINDS[type(statement)], statement.name.span
        else:
            continue
        out.append(lsp.DocumentSymbol(name=name, kind=kind, range=_range(statement.span),
                                      selection_range=_range(selection), detail=type(statement).__name__.lower()))
    return out


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION)
def code_actions(params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    out = []
    for diagnostic in params.context.diagnostics:
        suggestion = symbols.did_you_mean(diagnostic.message)
        if suggestion is None:
            continue
        edit = lsp.TextEdit(range=diagnostic.range, new_text=suggestion)
        out.append(lsp.CodeAction(title=f"Change to '{suggestion}'", kind=lsp.CodeActionKind.QuickFix,
                                  diagnostics=[diagnostic], is_preferred=True,
                                  edit=lsp.WorkspaceEdit(changes={params.text_document.uri: [edit]})))
    return out


class _OneLine(logging.Formatter):
    """pygls's log lines, on stderr, without their tracebacks."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().split("\n", 1)[0]
        if record.exc_info and record.exc_info[1] is not None:
            message += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        return f"planlang lsp: {message[:300]}"


def serve() -> None:
    """Answer an editor over stdin and stdout. Only the protocol goes to
    stdout: anything else printed while serving goes to stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    handler.setLevel(logging.WARNING)
    for name in ("pygls", "asyncio"):
        logging.getLogger(name).addHandler(handler)
        logging.getLogger(name).propagate = False
    output = sys.stdout  # held here: once unreferenced, the stream would close its file
    sys.stdout = sys.stderr
    server.start_io(sys.stdin.buffer, output.buffer)
