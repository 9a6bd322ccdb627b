"""Per-site origin profiles: one small module per source, selectors as data at the top.

A profile subclasses :class:`~newsarchive.pages.generic.GenericArticlePage` and
overrides only the fields the generic layers get wrong for its site; every
selector based on a class name has a structural or label fallback (SITE_NOTES).
:mod:`newsarchive.pages.registry` maps hosts to these classes.
"""
