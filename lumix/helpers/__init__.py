"""LumiX's ``lumix.helpers``: an empty package in 0.3.2, kept so that its import works."""

__all__: list[str] = []
