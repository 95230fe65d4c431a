"""``shaker build``: crawl the entries through the pipeline, shake, hash and write ``dist/``.

``project`` (the build), ``crawl`` (entries → outputs), ``load`` (one node through the
pipeline, imports written as placeholders), ``nodes`` (the build graph's data), ``shake``
(modules only HMR code needed), ``emit`` (hashing and page rewriting), ``naming``,
``manifest`` (Vite's format), ``outdir`` (atomic output), ``tree`` (``shaker transform DIR``).
"""
