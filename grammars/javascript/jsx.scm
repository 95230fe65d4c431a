; JSX: every element (the lowering nests them itself) and every comment (pragmas live there).
(jsx_element) @element
(jsx_self_closing_element) @element
(comment) @comment
