"""Text to model nodes: the grammar, the lexer lark drives, the parser with
its error recovery, the builder that makes nodes as lark reduces, and the
comments hung on them. The only part of planlang that imports lark."""
