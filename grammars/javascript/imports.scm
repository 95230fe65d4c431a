; Module dependencies: static imports, re-exports and literal dynamic imports.
(import_statement source: (string) @static)
(export_statement source: (string) @reexport)
(call_expression
  function: (import)
  arguments: (arguments . (string) @dynamic .))
(call_expression
  function: (import)
  arguments: (arguments . (template_string) @dynamic .))
