# Sphinx configuration for GIMinG's REST API reference, an os-api-ref tree as OpenStack projects keep
# theirs: one page (index.rst) including a part per resource (*.inc), the parameters of every call in
# parameters.yaml (sorted by where they are, then by name; os-api-ref warns otherwise) and the status
# codes in status.yaml.
#
# Built with Debian's packages only (python3-sphinx, python3-sphinx-rtd-theme, python3-os-api-ref;
# tools/ensure-doc-deps.sh installs them), warnings as errors, before the documentation, which links
# here through intersphinx: npm run docs, or
#   python3 -m sphinx -W --keep-going -b html api-ref/source api-ref/build/html
# The samples in samples/ come from the real daemons (npm run gen:api-samples).
import json
import os

_here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_here, '..', '..', 'package.json'), encoding='utf-8') as _f:
    _package = json.load(_f)

project = 'GIMinG REST API Reference'
copyright = '2026, GIMinG developers'
author = 'GIMinG developers'
version = _package['version']
release = _package['version']

extensions = ['os_api_ref', 'sphinx.ext.extlinks']
master_doc = 'index'
exclude_patterns = ['_build']
highlight_language = 'none'

# The reference is one page at the root of its build; the documentation is built beside it
# (doc/build/html), so a fixed relative link reaches any of its pages.
extlinks = {'gimming-doc': ('../../../doc/build/html/%s.html', '%s')}

# REST microversions (OpenStack-API-Version: image-manager 1.x): the range the API serves
# (src/gimming-api/api-versions.ts); the reference's version selector uses it.
os_api_ref_min_microversion = '1.0'
os_api_ref_max_microversion = '1.1'

html_theme = 'sphinx_rtd_theme'
html_title = f'GIMinG {release} REST API reference'
html_show_sourcelink = False

# Debian's os-api-ref links its three assets into _static at the end of a build, and fails when they
# are there from the last build. Remove them first, and turn the links into copies afterwards so the
# built reference stands on its own.
_ASSETS = ('api-site.css', 'api-site.js', 'combobox.js')


def _remove_assets(app):
    for asset in _ASSETS:
        path = os.path.join(app.outdir, '_static', asset)
        if os.path.lexists(path):
            os.remove(path)


def _copy_assets(app, exception):
    import shutil
    for asset in _ASSETS:
        path = os.path.join(app.outdir, '_static', asset)
        if os.path.islink(path):
            target = os.path.realpath(path)
            os.remove(path)
            shutil.copyfile(target, path)


def setup(app):
    app.connect('builder-inited', _remove_assets)
    app.connect('build-finished', _copy_assets, priority=900)
