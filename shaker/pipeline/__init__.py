"""What dev and build share: one road from a specifier to a module record.

``resolve`` (specifier → file), ``plugins`` (the hook runner), ``load`` (file → code by kind),
``css`` (``url()`` and ``@import``), ``html`` (pages' references). ``shaker dev`` serves the
records over HTTP; ``shaker build`` links and writes them.
"""
