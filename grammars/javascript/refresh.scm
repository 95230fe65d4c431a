; React Fast Refresh: every call whose callee is a name or a member (hooks are found among
; them by name), and every comment (for `@refresh reset`).
(call_expression function: (identifier) @callee) @call
(call_expression function: (member_expression property: (property_identifier) @callee)) @call
(comment) @comment
