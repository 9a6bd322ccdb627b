"""Which packages go where (everything else is in ``pyproject.toml``).

pip installs the ``newsarchive`` package alone: ``spiders/`` and ``pipelines/`` are
run from the project root like in every Scrapy project (PyPI has unrelated
distributions with those names). The egg that ``scrapyd-deploy`` builds
(``python setup.py bdist_egg``) also carries ``spiders`` and ``pipelines``,
because Scrapyd runs a project from its egg, not from a checkout.
"""

import sys

from setuptools import find_packages, setup

PACKAGES = ["newsarchive", "newsarchive.*"]
if "bdist_egg" in sys.argv:
    PACKAGES += ["spiders", "pipelines"]

setup(packages=find_packages(include=PACKAGES))
