; Every `import.meta` / `new.target` node; scan.py keeps the `import.meta` ones.
(meta_property) @meta
