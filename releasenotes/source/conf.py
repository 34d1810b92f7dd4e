# Sphinx configuration for GIMinG's release notes, built from the reno notes in releasenotes/notes/ with
# Debian's packages (python3-sphinx, python3-sphinx-rtd-theme, python3-reno): npm run docs, or, from the
# top of the repository (reno reads the notes from git history, so only committed notes appear)
#   python3 -m sphinx -W --keep-going -b html releasenotes/source releasenotes/build/html
project = 'GIMinG Release Notes'
copyright = '2026, GIMinG developers'
author = 'GIMinG developers'
# Release notes are not versioned themselves: each version is a section of the report.
version = ''
release = ''

extensions = ['reno.sphinxext']
master_doc = 'index'
exclude_patterns = ['_build']
highlight_language = 'none'

html_theme = 'sphinx_rtd_theme'
html_show_sourcelink = False
