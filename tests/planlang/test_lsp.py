"""`planlang lsp`, driven as an editor drives it: a real server process over
stdio (pytest-lsp), a document opened and edited, every feature asked for."""

import asyncio
import re
import sys

import pytest
import pytest_lsp
from conftest import EXAMPLES
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

import planlang

ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")
URI = "file:///work/test.plan"
BROKEN = """gpu h100 { hourly = $2/hour }
resource message { gpu = 0.9 s on h10 }
plan free {
  price = $0
  quota mesage = 100
}
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "solver.cli", "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(lsp.InitializeParams(capabilities=lsp.ClientCapabilities()))
    yield
    await lsp_client.shutdown_session()


def open_document(client: LanguageClient, text: str, uri: str = URI) -> None:
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(
        text_document=lsp.TextDocumentItem(uri=uri, language_id="planlang", version=1, text=text)))


def position(text: str, needle: str, offset: int = 0) -> lsp.Position:
    before = text[: text.index(needle) + offset]
    return lsp.Position(line=before.count("\n"), character=len(before) - (before.rfind("\n") + 1))


async def wait_for(client: LanguageClient, check, what: str):
    for _ in range(100):
        if check(client.diagnostics.get(URI)):
            return client.diagnostics[URI]
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}: {client.diagnostics.get(URI)}")


@pytest.mark.asyncio(loop_scope="function")
async def test_two_errors_are_two_diagnostics_then_cleared(client: LanguageClient):
    open_document(client, BROKEN)
    found = await wait_for(client, lambda d: d is not None and len(d) == 2, "two diagnostics")
    first, second = sorted(found, key=lambda d: d.range.start.line)
    assert "unknown gpu 'h10'; did you mean 'h100'?" in first.message
    assert first.range == lsp.Range(start=lsp.Position(line=1, character=34), end=lsp.Position(line=1, character=37))
    assert "unknown resource 'mesage'" in second.message
    assert (second.range.start.line, second.range.start.character) == (4, 8)
    # the same words as `planlang check`
    with pytest.raises(planlang.PlanError) as error:
        planlang.loads(BROKEN)
    assert sorted(d.message for d in error.value.diagnostics) == sorted(d.message for d in found)
    # a quick fix for the "did you mean"
    actions = await client.text_document_code_action_async(lsp.CodeActionParams(
        text_document=lsp.TextDocumentIdentifier(uri=URI), range=first.range,
        context=lsp.CodeActionContext(diagnostics=[first])))
    assert actions[0].edit.changes[URI][0].new_text == "h100"
    fixed = BROKEN.replace("h10 ", "h100 ").replace("mesage", "message")
    client.text_document_did_change(lsp.DidChangeTextDocumentParams(
        text_document=lsp.VersionedTextDocumentIdentifier(uri=URI, version=2),
        content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=fixed)]))
    await wait_for(client, lambda d: d is not None and len(d) == 0, "the diagnostics to clear")


@pytest.mark.asyncio(loop_scope="function")
async def test_a_syntax_error_still_leaves_diagnostics_for_the_rest(client: LanguageClient):
    open_document(client, "gpu h100 { hourly = $2/hour\nresource m { gpu = 1 s on h10 }\n")
    found = await wait_for(client, lambda d: d is not None and len(d) >= 2, "diagnostics")
    assert any("never closed" in d.message for d in found) and any("h10" in d.message for d in found)


@pytest.mark.asyncio(loop_scope="function")
async def test_formatting_equals_fmt_and_is_refused_with_errors(client: LanguageClient):
    text = ASSISTANT.read_text().replace("  price = $49", "price=$49")
    open_document(client, text)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=lsp.TextDocumentIdentifier(uri=URI), options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert len(edits) == 1 and edits[0].new_text == planlang.dumps(planlang.loads(text))  # what fmt prints
    assert "  price = $49" in edits[0].new_text
    open_document(client, BROKEN, "file:///work/broken.plan")
    refused = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=lsp.TextDocumentIdentifier(uri="file:///work/broken.plan"),
        options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert not refused


@pytest.mark.asyncio(loop_scope="function")
async def test_completion_after_on_offers_gpu_pools(client: LanguageClient):
    text = "gpu h100 { hourly = $2/hour }\ngpu rented { hourly = $3/hour }\nresource m { gpu = 1 s on  }\n"
    open_document(client, text)
    found = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=URI), position=position(text, "on  }", 3)))
    assert [item.label for item in found.items] == ["h100", "rented"]
    keywords = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=URI), position=lsp.Position(line=3, character=0)))
    assert {"plan", "segment", "require"} <= {item.label for item in keywords.items}


@pytest.mark.asyncio(loop_scope="function")
async def test_completion_offers_periods_after_per_and_in_a_figure(client: LanguageClient):
    text = "resource m { }\nplan p { price = $1  quota m = 45 per  }\nrequire quota(p, m, ) >= 1\n"
    open_document(client, text)
    after_per = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=URI), position=position(text, "per  }", 4)))
    assert [item.label for item in after_per.items] == ["seat", "5 hours", "day", "week", "month", "year"]
    in_figure = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=URI), position=position(text, ", ) >=", 2)))
    assert [item.label for item in in_figure.items] == ["5 hours", "day", "week", "month", "year"]


@pytest.mark.asyncio(loop_scope="function")
async def test_definition_references_hover_and_symbols(client: LanguageClient):
    text = ASSISTANT.read_text()
    open_document(client, text)
    ident = lsp.TextDocumentIdentifier(uri=URI)
    use = position(text, "overage image at", len("overage "))
    found = await client.text_document_definition_async(lsp.DefinitionParams(text_document=ident, position=use))
    assert found.range.start == position(text, "resource image", len("resource "))
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=ident, position=use, context=lsp.ReferenceContext(include_declaration=True)))
    code = [line.split("#")[0] for line in text.split("\n")]
    expected = [(i, m.start()) for i, line in enumerate(code) for m in re.finditer(r"\bimage\b", line)]
    assert sorted((r.range.start.line, r.range.start.character) for r in refs) == expected
    about = await client.text_document_hover_async(lsp.HoverParams(
        text_document=ident, position=position(text, "gpu h100", len("gpu "))))
    assert "per busy hour" in about.contents.value and "busy GPU-hours a month" in about.contents.value
    keyword = await client.text_document_hover_async(lsp.HoverParams(text_document=ident,
                                                                    position=position(text, "optional")))
    assert "leave this plan out" in keyword.contents.value
    plan = await client.text_document_hover_async(lsp.HoverParams(
        text_document=ident, position=position(text, "plan plus", len("plan "))))
    assert "75 configurations" in plan.contents.value
    outline = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=ident))
    names = [s.name for s in outline]
    assert names[:2] == ["h100", "rented"] and "plus" in names and "margin >= 30%" in names


ACCOUNTS = """resource message { cost = $0.001 }
competitor api {
  price = $0
  overage message at $0.004
}
competitor rival_pro { seat = $20  quota message = unlimited }
segment team {
  users = 40K
  seats ~ lognormal(median = 8, p90 = 40)
  usage message = 300
  competitors = [rival_pro, ]
}
plan business {
  seat in [$20, $25]
  min seats = 2
  quota message = 5000 per seat
  annual in [0%, 15%]
}
"""


@pytest.mark.asyncio(loop_scope="function")
async def test_competitors_seats_and_terms_in_the_editor(client: LanguageClient):
    text = ACCOUNTS
    open_document(client, text)
    ident = lsp.TextDocumentIdentifier(uri=URI)
    found = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=ident, position=position(text, "rival_pro, ]", len("rival_pro, "))))
    assert [item.label for item in found.items] == ["api", "rival_pro"]
    use = position(text, "rival_pro, ]")
    definition = await client.text_document_definition_async(lsp.DefinitionParams(text_document=ident, position=use))
    assert definition.range.start == position(text, "rival_pro {")
    about = await client.text_document_hover_async(lsp.HoverParams(text_document=ident, position=use))
    assert "reached by team" in about.contents.value
    api = await client.text_document_hover_async(lsp.HoverParams(
        text_document=ident, position=position(text, "api {")))
    assert "reached by no segment" in api.contents.value
    minimum = await client.text_document_hover_async(lsp.HoverParams(
        text_document=ident, position=position(text, "min seats")))
    assert "fewest seats an account is billed for" in minimum.contents.value
    inside = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=ident, position=position(text, "  price = $0", 2)))
    assert {"seat", "min seats", "annual", "quota"} <= {item.label for item in inside.items}
    outline = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=ident))
    kinds = {s.name: s.kind for s in outline}
    assert kinds["api"] == kinds["rival_pro"] == lsp.SymbolKind.Interface
    assert kinds["business"] == lsp.SymbolKind.Module
