; `var` declarations inside a region; callers drop those inside nested functions.
(variable_declaration) @var
; `for (var x in o)` / `for (var [a, b] of o)` declare through the loop head.
(for_in_statement kind: "var" left: (_) @for_var)
