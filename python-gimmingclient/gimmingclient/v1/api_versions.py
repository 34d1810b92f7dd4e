"""REST microversion negotiation, as the Node SDK (src/gimmingclient/
api-version.ts) does it: the client's own range, the server's from its
version document (``min_version``, ``version``), and the highest version both
know, or the one the user asked for, refused before any call when either side
does not know it."""

import re

from gimmingclient import exceptions

HEADER = 'OpenStack-API-Version'
SERVICE_TYPE = 'image-manager'

# The versions this client knows, its own (never read from the server), so
# that an old client and a new server (and the reverse) use what both know:
#   1.0: the API before microversions.
#   1.1: browsing a cloud pages with marker and next (CloudManager.images
#        follows them).
#   1.2: image families, versions, channels and lifecycle (FamilyManager).
#   1.3: a sync's on_conflict (ImageManager.sync), refuse by default.
#   1.4: max_bandwidth on a sync, an image created with targets and a cloud.
#   1.5: a sync's incremental_from.
#   1.6: resumable uploads (ImageManager.upload resumes a cut upload,
#        resume_upload, upload_state) and Gimming-Content-Sha256 (sha256).
#   1.7: on_conflict on image create and adopt, refuse by default.
#   1.8: a cloud's capabilities of native and incremental copies
#        (native_copy_limit, native_copy_unavailable, incremental_conversion;
#        CloudManager.get and list, `cloud show` print them).
# Webhooks (WebhookManager) are served at every version.
MIN_VERSION = '1.0'
MAX_VERSION = '1.8'

_VERSION = re.compile(r'^\s*(0|[1-9]\d*)\.(0|[1-9]\d*)\s*$')


def _parse(text):
    m = _VERSION.match(text or '')
    return (int(m.group(1)), int(m.group(2))) if m else None


def _show(v):
    return '%d.%d' % v


def _error(message):
    return exceptions.GimmingClientError(message, 0, 'client.api_version')


def server_versions(doc):
    """(min, max) from ``GET /v1/``'s version document; None for a server
    before microversions."""
    v = (doc or {}).get('version') if isinstance(doc, dict) else None
    if not isinstance(v, dict):
        return None
    low, high = v.get('min_version'), v.get('version')
    if not isinstance(low, str) or not isinstance(high, str):
        return None
    if not _parse(low) or not _parse(high):
        return None
    return (low, high)


def choose(server, asked=None, client=(MIN_VERSION, MAX_VERSION)):
    """The version to send, or None for no header (a server before
    microversions, asked for nothing or for 1.0)."""
    cmin, cmax = _parse(client[0]), _parse(client[1])
    want = None
    if asked and asked.strip().lower() != 'latest':
        want = _parse(asked)
        if not want:
            raise _error(
                'API version "%s" is not a version: give <major>.<minor> '
                '(such as %s) or latest (--os-image-manager-api-version, '
                'OS_IMAGE_MANAGER_API_VERSION).' % (asked, MAX_VERSION))
        if want < cmin or want > cmax:
            raise _error(
                'API version %s is not known to this client, which knows '
                '%s to %s.' % (_show(want), client[0], client[1]))
    if server is None:
        if want is None or want == (1, 0):
            return None
        raise _error(
            'API version %s was asked for, but the server serves no '
            'microversions (its version document has no min_version): '
            'only 1.0.' % _show(want))
    smin, smax = _parse(server[0]), _parse(server[1])
    if want is not None:
        if want < smin or want > smax:
            raise _error(
                'API version %s is not served by the server, which serves '
                '%s to %s.' % (_show(want), server[0], server[1]))
        return _show(want)
    highest = min(cmax, smax)
    if max(cmin, smin) > highest:
        raise _error(
            'The server serves API versions %s to %s and this client knows '
            '%s to %s: none in common; upgrade the %s.' % (
                server[0], server[1], client[0], client[1],
                'client' if cmax < smin else 'server'))
    return _show(highest)


def at_least(version, wanted):
    """Whether the negotiated ``version`` (None: 1.0) is ``wanted`` or
    later."""
    return (_parse(version) if version else (1, 0)) >= _parse(wanted)


def require(version, wanted, what):
    """Refuses, before any call, what needs microversion ``wanted`` when the
    version negotiated is older (the server would refuse it too)."""
    if not at_least(version, wanted):
        raise _error(
            '%s needs API microversion %s, but the calls are made at %s '
            '(the highest both this client and the server know, or the one '
            'asked for).' % (what, wanted, version or '1.0'))
