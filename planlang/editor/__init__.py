"""What editors use: the language server (lsp), what a name or a word means
and what may be typed where (symbols), and a Pygments lexer (highlight).
Above the language, beside it nothing: never imports the solver."""
