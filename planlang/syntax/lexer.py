"""The lexer lark drives for .plan files.

lark's own lexers try the terminals token by token and spent most of the
parse time; this one makes one pass of a single regular expression built
from the grammar's own terminal definitions (8x faster), and keeps what the
contextual lexer gave: a word is a keyword, a unit or a currency code only
where the parser can take one there, and a name everywhere else, so a
resource may be called `pack` or `s`.

It also does what a postlexer would: newlines inside () and [] are dropped
(a list may span lines), runs of newlines become one, the input ends with
one, and absurd nesting or operator chains are refused before they can
exhaust the recursion of later stages.
"""

from __future__ import annotations

import re

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.lexer import Lexer

MAX_NESTING = 50  # brackets inside brackets
MAX_OPERATORS = 200  # + - * / outside [] in one line

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SETS = re.compile(r"=(?!=)|~|in\b")  # what follows a setting's key
_OPERATORS = frozenset({"PLUS", "MINUS", "STAR", "SLASH"})


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\f\r":
        pos += 1
    return pos


class TooComplex(Exception):
    def __init__(self, token: Token, message: str):
        super().__init__(message)
        self.token = token
        self.message = message


class PlanLexer(Lexer):
    __future_interface__ = 2

    def __init__(self, lexer_conf) -> None:
        terminals = lexer_conf.terminals_by_name
        self.keywords: dict[str, str] = {}
        punctuation: dict[str, str] = {}
        for terminal in lexer_conf.terminals:
            if terminal.pattern.type == "str":
                text = terminal.pattern.value
                (self.keywords if _WORD.fullmatch(text) else punctuation)[text] = terminal.name
        self.punctuation = punctuation
        self.unit = re.compile(terminals["UNIT"].pattern.value)
        self.code = re.compile(terminals["CODE"].pattern.value)
        symbols = "|".join(re.escape(p) for p in sorted(punctuation, key=len, reverse=True))
        self.scanner = re.compile(
            r"(?P<space>[ \t\f\r]+)|(?P<comment>#[^\n]*)|(?P<newline>\n)"
            f"|(?P<MONEY>{terminals['MONEY'].pattern.value})"
            f"|(?P<NUMBER>{terminals['NUMBER'].pattern.value})"
            f"|(?P<word>{terminals['NAME'].pattern.value})"
            f"|(?P<punct>{symbols})|(?P<bad>.)",
            re.DOTALL,
        )

    def _word_type(self, word: str, accepts, parser_state, text: str, end: int) -> str:
        """Keyword, then unit, then currency code, then name: the first the
        parser can take here (or the likeliest, to be reported). A word that
        may be both a keyword and a unit (`min`: `2 min on h100`, `min seats`
        starting the next item of a one-line block) is the keyword only when
        the parser could take the word after it."""
        keyword = self.keywords.get(word)
        if keyword is not None and keyword in accepts:
            if "UNIT" in accepts and self.unit.fullmatch(word) \
                    and not self._takes_next(parser_state, keyword, text, end):
                return "UNIT"
            return keyword
        if "UNIT" in accepts and self.unit.fullmatch(word):
            if "NAME" in accepts and _SETS.match(text, _skip_space(text, end)):
                return "NAME"  # `usage m = 100  months = [1, 2]`: a setting's key after a number, not its unit
            return "UNIT"
        if "CODE" in accepts and self.code.fullmatch(word):
            return "CODE"
        if "NAME" in accepts or keyword is None:
            return "NAME"
        return keyword

    def _takes_next(self, parser_state, keyword: str, text: str, end: int) -> bool:
        """Whether, after `keyword`, the parser accepts the word after it
        (the word of `text` after position `end`)."""
        following = _WORD.match(text, _skip_space(text, end))
        if following is None:
            return False
        after = parser_state.copy()
        try:
            after.feed_token(Token(keyword, ""))
        except UnexpectedToken:  # the keyword does not fit here after all
            return False
        accepts = after.parse_conf.parse_table.states[after.position]
        return self.keywords.get(following.group()) in accepts or "NAME" in accepts

    def lex(self, lexer_state, parser_state):
        text_slice = lexer_state.text
        text = getattr(text_slice, "text", text_slice)
        start = getattr(text_slice, "start", 0)
        end = getattr(text_slice, "end", len(text))
        states = parser_state.parse_conf.parse_table.states
        # a slice (one statement of a broken file) keeps the file's positions
        line = text.count("\n", 0, start) + 1
        line_start = text.rfind("\n", 0, start) + 1
        depth = squares = operators = 0
        last = None
        for match in self.scanner.finditer(text, start, end):
            group = match.lastgroup
            if group == "space" or group == "comment":
                continue
            pos = match.start()
            if group == "newline":
                if depth == 0 and last is not None and last.type != "_NL":
                    last = Token("_NL", "\n", pos, line, pos - line_start + 1, line,
                                 pos - line_start + 2, pos + 1)
                    operators = 0
                    yield last
                line += 1
                line_start = pos + 1
                continue
            value = match.group()
            column = pos - line_start + 1
            if group == "word":
                kind = self._word_type(value, states[parser_state.position], parser_state,
                                       text, match.end())
            elif group == "punct":
                kind = self.punctuation[value]
            elif group == "bad":
                raise UnexpectedCharacters(text, pos, line, column,
                                           allowed=set(states[parser_state.position]),
                                           state=parser_state)
            else:
                kind = group
            token = Token(kind, value, pos, line, column, line, column + len(value), match.end())
            if kind == "LPAR" or kind == "LSQB":
                depth += 1
                squares += kind == "LSQB"
                if depth > MAX_NESTING:
                    raise TooComplex(token, f"brackets are nested more than {MAX_NESTING} deep; "
                                     "simplify this")
            elif kind == "RPAR" or kind == "RSQB":
                depth = max(0, depth - 1)
                squares = max(0, squares - (kind == "RSQB"))
            elif kind in _OPERATORS and not squares:
                operators += 1
                if operators > MAX_OPERATORS:
                    raise TooComplex(token, f"more than {MAX_OPERATORS} operators in one line; "
                                     "split it into several requirements")
            lexer_state.last_token = last = token
            yield token
        if last is not None and last.type != "_NL":
            yield Token("_NL", "\n", last.end_pos, last.end_line, last.end_column,
                        last.end_line, last.end_column + 1, last.end_pos)
