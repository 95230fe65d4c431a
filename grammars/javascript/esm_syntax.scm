; ES module syntax inside expressions: `import(...)` and `import.meta` (a CommonJS file has
; neither). `new.target` is a meta_property too: the caller checks the text.
(import) @esm
(meta_property) @esm
