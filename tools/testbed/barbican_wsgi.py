"""WSGI entry for the GIMinG test bed's Barbican (served by uwsgi-core).

barbican.api.app.get_api_wsgi_script() insists on /etc/barbican; this entry
reads the test bed's private config directory instead, named by the
GIMMING_BARBICAN_CONF_DIR environment variable (set by testbed.sh).
"""
import os

conf_dir = os.environ["GIMMING_BARBICAN_CONF_DIR"]
conf_file = os.path.join(conf_dir, "barbican.conf")
paste_file = os.path.join(conf_dir, "barbican-api-paste.ini")

# Importing barbican.common.config parses the default config locations once;
# parse again with only the private file so every barbican module sees it.
from barbican.common import config as barbican_config  # noqa: E402

barbican_config.parse_args(barbican_config.CONF,
                           default_config_files=[conf_file])

from paste import deploy  # noqa: E402

application = deploy.loadapp("config:" + paste_file)
