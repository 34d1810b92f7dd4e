"""What the client raises: GIMinG's own error answers, and failures to
reach it."""


class GimmingClientError(Exception):
    """A failed call.

    ``status`` is the HTTP status (0 when no answer came), ``code`` GIMinG's
    stable error code (``gimming.image.not_found``) or ``client.*`` for the
    client's own, ``request_id`` the ``x-openstack-request-id`` to give an
    operator.
    """

    def __init__(self, message, status=0, code='client.error',
                 request_id=None, details=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.details = details or {}

    def __str__(self):
        # As the gimming CLI prints an error: message, status, request id.
        text = self.message
        if self.status:
            text += ' (HTTP %d)' % self.status
        if self.request_id:
            text += ' (Request-ID: %s)' % self.request_id
        return text


class BadRequest(GimmingClientError):
    pass


class Forbidden(GimmingClientError):
    pass


class NotFound(GimmingClientError):
    pass


class NotAcceptable(GimmingClientError):
    """406: a microversion the server does not serve."""


class Conflict(GimmingClientError):
    pass


_BY_STATUS = {400: BadRequest, 403: Forbidden, 404: NotFound,
              406: NotAcceptable, 409: Conflict}


def from_response(response):
    """The error of a GIMinG answer (``{"error": {...}}``), or of any
    other non-2xx answer."""
    status = response.status_code
    request_id = response.headers.get('x-openstack-request-id')
    cls = _BY_STATUS.get(status, GimmingClientError)
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get('error') if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get('message'), str):
        return cls(error['message'], status,
                   error.get('code') or 'client.http_error',
                   error.get('request_id') or request_id,
                   error.get('details'))
    text = ' '.join((response.text or '').split())[:200]
    message = 'HTTP %d%s' % (status, ': ' + text if text else '')
    return cls(message, status, 'client.http_error', request_id)
