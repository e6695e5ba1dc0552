"""`planlang lsp`: a Language Server for .plan files over stdio (pygls).

It reuses the checker and the formatter, so an editor shows exactly what
`planlang check` says and formats exactly as `planlang fmt`: diagnostics on
open and (debounced) on change, formatting (refused while the file has
errors), hover, go to definition, references, completion, document
symbols, and "did you mean" quick fixes. Editor-independent knowledge
(names, meanings, what may be typed) lives in planlang/symbols.py.
"""

from __future__ import annotations

import asyncio

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer

import planlang
from planlang import symbols
from planlang.model import Gpu, Plan, Require, Resource, Segment, Span

DEBOUNCE = 0.25  # seconds of quiet typing before a changed file is checked again
SYMBOL_KINDS = {Gpu: lsp.SymbolKind.Class, Resource: lsp.SymbolKind.Variable, Segment: lsp.SymbolKind.Struct,
                Plan: lsp.SymbolKind.Module, Require: lsp.SymbolKind.Property}

server = LanguageServer("planlang", "0.1")
_pending: dict[str, asyncio.TimerHandle] = {}


def _range(span: Span) -> lsp.Range:
    end_line = span.end_line or span.line
    end_column = span.end_column or span.column + 1
    return lsp.Range(start=lsp.Position(line=span.line - 1, character=span.column - 1),
                     end=lsp.Position(line=end_line - 1, character=end_column - 1))


def _analyzed(uri: str):
    document = server.workspace.get_text_document(uri)
    text = document.source
    model, problems = planlang.analyze(text, document.path or uri)
    return text, model, problems


def diagnostics(uri: str) -> list[lsp.Diagnostic]:
    _, _, problems = _analyzed(uri)
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
    server.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
def formatting(params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit]:
    text, model, problems = _analyzed(params.text_document.uri)
    if problems:
        return []  # as `planlang fmt`: a file with errors is not reformatted
    lines = text.split("\n")
    whole = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=len(lines), character=0))
    return [lsp.TextEdit(range=whole, new_text=planlang.dumps(model))]


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(params: lsp.HoverParams) -> lsp.Hover | None:
    text, model, _ = _analyzed(params.text_document.uri)
    found = symbols.hover(model, text, params.position.line + 1, params.position.character + 1)
    if found is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.PlainText, value=found))


def _named(params) -> tuple[str, list[symbols.Occurrence], symbols.Occurrence | None]:
    text, model, _ = _analyzed(params.text_document.uri)
    found = symbols.at(model, params.position.line + 1, params.position.character + 1)
    return params.text_document.uri, symbols.occurrences(model), found


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
    text, model, _ = _analyzed(params.text_document.uri)
    found = symbols.completions(model, text, params.position.line + 1, params.position.character + 1)
    items = [lsp.CompletionItem(label=label, kind=COMPLETION_KINDS.get(kind, lsp.CompletionItemKind.Reference),
                                detail=kind) for label, kind in found]
    return lsp.CompletionList(is_incomplete=False, items=items)


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    from planlang.model import Feature
    from solver.requirements import requirement_text

    _, model, _ = _analyzed(params.text_document.uri)
    out = []
    for statement in model.statements:
        if isinstance(statement, Require):
            name, kind, selection = requirement_text(statement), SYMBOL_KINDS[Require], statement.span
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


def serve() -> None:
    server.start_io()
