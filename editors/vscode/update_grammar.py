"""Write the language's words into the TextMate grammar (syntaxes/planlang.tmLanguage.json).

    python editors/vscode/update_grammar.py

The grammar is JSON the extension ships as it is; its word lists come from
planlang/items.py (through planlang/editor/highlight.py, as the Pygments
lexer's do). tests/planlang/test_editors.py fails when they differ: run this
after adding a word to the language.
"""

import json
import re
from pathlib import Path

from planlang.editor.highlight import DECLARATIONS, ITEMS
from planlang.items import NAMED, PERIOD_WORDS

GRAMMAR = Path(__file__).parent / "syntaxes" / "planlang.tmLanguage.json"


def main() -> None:
    text = GRAMMAR.read_text(encoding="utf-8")
    grammar = json.loads(text)
    for pattern in grammar["patterns"]:
        name = pattern.get("name", "")
        if name == "keyword.other.declaration.planlang":
            pattern["match"] = rf"\b({'|'.join(DECLARATIONS)})\b"
        elif name == "keyword.other.planlang":
            pattern["match"] = rf"\b({'|'.join(ITEMS)})\b"
        elif name == "meta.period.planlang":
            pattern["match"] = rf"\b(per)\s+({'|'.join(PERIOD_WORDS)})\b"
        elif "captures" in pattern and "declaration" in json.dumps(pattern):
            pattern["match"] = re.sub(r"^\\b\([^)]*\)", lambda _: rf"\b({'|'.join(NAMED)})", pattern["match"])
    GRAMMAR.write_text(_dump(grammar), encoding="utf-8")


def _dump(grammar: dict) -> str:
    """The grammar as the file lays it out: one pattern a line."""
    head = {k: v for k, v in grammar.items() if k != "patterns"}
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "patterns": [')
    patterns = [f"    {json.dumps(p, ensure_ascii=False)}" for p in grammar["patterns"]]
    lines.append(",\n".join(patterns))
    return "\n".join(lines) + "\n  ]\n}\n"


if __name__ == "__main__":
    main()
