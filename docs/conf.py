"""Sphinx configuration: numpydoc API reference, sphinx-gallery examples."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import skgenre  # noqa: E402

project = "skgenre"
author = "skgenre developers"
release = version = skgenre.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
suppress_warnings = ["config.cache"]
html_theme = "alabaster"

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
}
