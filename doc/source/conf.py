# Sphinx configuration for GIMinG's documentation.
#
# Built with Debian's packages only (python3-sphinx, python3-sphinx-rtd-theme; tools/ensure-doc-deps.sh
# installs them), warnings as errors: npm run docs, or
#   python3 -m sphinx -W --keep-going -b html doc/source doc/build/html
# The configuration and policy references in configuration/ are generated from the code
# (npm run genconfig, npm run genpolicy) and checked in; tools/check-generated.sh fails when they are stale.
import json
import os

_here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_here, '..', '..', 'package.json'), encoding='utf-8') as _f:
    _package = json.load(_f)

project = 'GIMinG'
copyright = '2026, GIMinG developers'
author = 'GIMinG developers'
version = _package['version']
release = _package['version']

# The REST API reference is its own document (api-ref/source, os-api-ref), built first (npm run docs);
# its pages are reached as :ref:`apiref:api-clouds` and so on, from its inventory on disk.
_api_ref = os.path.join(_here, '..', '..', 'api-ref', 'build', 'html')
extensions = ['sphinx.ext.intersphinx']
intersphinx_mapping = {'apiref': ('../../../api-ref/build/html', os.path.join(_api_ref, 'objects.inv'))}
intersphinx_disabled_reftypes = ['*']
master_doc = 'index'
exclude_patterns = ['_build']
# Literal blocks (::) are shell commands, ini or JSON; a page names the language where it matters.
highlight_language = 'none'

html_theme = 'sphinx_rtd_theme'
html_theme_options = {
    'navigation_depth': 3,
}
html_title = f'GIMinG {release} documentation'
html_show_sourcelink = False
