# Sphinx configuration for GIMinG's documentation.
project = 'GIMinG'
copyright = '2026, GIMinG developers'
extensions = []
master_doc = 'index'
exclude_patterns = ['_build']
html_theme = 'alabaster'
