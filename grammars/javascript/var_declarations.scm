; `var` declarations inside a region; strip.py drops those inside nested functions.
(variable_declaration) @var
