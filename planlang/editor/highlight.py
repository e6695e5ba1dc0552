"""A Pygments lexer for .plan files (entry point `planlang`), so that
documentation and reports can highlight them:

    pygments.highlight(text, get_lexer_by_name("planlang"), HtmlFormatter())
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, Whitespace

from planlang.items import PERIOD_WORDS, STATEMENTS, WORDS, keywords
from planlang.model import CREDITS
from planlang.units import ALL_UNITS

DECLARATIONS = tuple(STATEMENTS)
ITEMS = tuple(dict.fromkeys([*keywords(), CREDITS, *WORDS]))
PERIOD = rf"\b(per)(\s+)({'|'.join(PERIOD_WORDS)})\b"  # `per day`, `per week`: the period is a unit
UNITS = r"(?:" + "|".join(sorted(ALL_UNITS, key=len, reverse=True)) + r")\b"
NUMBER = r"[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[KMB](?![A-Za-z0-9_]))?"


class PlanLexer(RegexLexer):
    name = "planlang"
    aliases = ["planlang", "plan"]
    filenames = ["*.plan"]
    mimetypes = ["text/x-planlang"]

    tokens = {
        "root": [
            (r"#.*?$", Comment.Single),
            (r"\s+", Whitespace),
            (r"(gpu|resource|feature|segment|plan)(\s+)([A-Za-z_][A-Za-z0-9_]*)",
             bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (words(DECLARATIONS, suffix=r"\b"), Keyword.Declaration),
            (PERIOD, bygroups(Keyword, Whitespace, Keyword.Type)),
            (words(ITEMS, suffix=r"\b"), Keyword),
            (r"[$€£¥]" + NUMBER, Number.Money),
            (f"({NUMBER})(\\s*)({UNITS})", bygroups(Number, Whitespace, Keyword.Type)),
            (NUMBER + r"\s+[A-Z]{3}\b", Number.Money),
            (NUMBER + "%?", Number),
            (f"(/)({UNITS})", bygroups(Operator, Keyword.Type)),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (r"\.\.|>=|<=|==|!=|[=~+\-*/<>]", Operator),
            (r"[{}\[\](),]", Punctuation),
        ],
    }
