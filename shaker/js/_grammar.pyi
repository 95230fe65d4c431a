def language() -> object:
    """The tree-sitter language pointer (a capsule) for ``tree_sitter.Language``."""
