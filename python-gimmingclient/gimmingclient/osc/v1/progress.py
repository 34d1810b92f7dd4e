"""Progress on a terminal, drawn as the gimming CLI draws it: a bar with
bytes, rate and ETA for an upload, and one line per task while tasks run.
Nothing is drawn when the stream is not a terminal. Every line fits the
terminal's width (a wrapped line breaks the redraw in place)."""

import math
import os
import time

UNITS = ('B', 'KiB', 'MiB', 'GiB', 'TiB')


def human_bytes(n):
    v = float(n)
    u = 0
    while v >= 1024 and u < len(UNITS) - 1:
        v /= 1024
        u += 1
    return '%.*f %s' % (0 if u == 0 else 1, v, UNITS[u])


def human_seconds(s):
    if s is None or math.isinf(s) or math.isnan(s):
        return '--:--'
    t = max(0, _js_round(s))
    h, m, sec = t // 3600, (t % 3600) // 60, t % 60
    return '%d:%02d:%02d' % (h, m, sec) if h else '%02d:%02d' % (m, sec)


def _js_round(x):
    # Half up, as the gimming CLI rounds (Python's round() goes to even).
    return int(math.floor(x + 0.5))


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def terminal_width(stream):
    """COLUMNS when set to a positive number, else the stream's terminal's
    width; None when neither is known (lines are drawn whole)."""
    env = os.environ.get('COLUMNS', '')
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    # StringIO and the like: io.UnsupportedOperation is an OSError.
    except (AttributeError, ValueError, OSError):
        return None
    return columns if columns > 0 else None


def fit_line(line, width):
    """``line`` cut to ``width`` columns, the last one left free, ending
    with an ellipsis when cut."""
    if width is None:
        return line
    room = max(1, width - 1)
    if len(line) <= room:
        return line
    return '\u2026' if room == 1 else line[:room - 1] + '\u2026'


class ProgressBar(object):

    WIDTH = 30
    MIN_WIDTH = 10

    def __init__(self, label, total, stream, clock=time.monotonic):
        self.label = label
        self.total = total
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self.last_draw = None
        self.enabled = _isatty(stream)

    def update(self, done, force=False):
        if not self.enabled:
            return
        now = self.clock()
        # At most ten redraws a second.
        if not force and self.last_draw is not None and \
                now - self.last_draw < 0.1:
            return
        self.last_draw = now
        rate = done / max(now - self.started, 0.001)
        columns = terminal_width(self.stream)
        if self.total:
            ratio = min(1.0, float(done) / self.total)
            eta = (self.total - done) / rate if rate > 0 else float('inf')
            head = '%s [' % self.label
            tail = '] %d%% %s/%s %s/s ETA %s' % (
                int(math.floor(ratio * 100)), human_bytes(done),
                human_bytes(self.total), human_bytes(rate),
                human_seconds(eta))
            width = self.WIDTH
            if columns is not None:
                # The bar narrows first; what still does not fit is cut.
                width = max(self.MIN_WIDTH, min(
                    self.WIDTH, columns - 1 - len(head) - len(tail)))
            filled = _js_round(ratio * width)
            line = head + '#' * filled + '-' * (width - filled) + tail
        else:
            line = '%s %s %s/s' % (self.label, human_bytes(done),
                                   human_bytes(rate))
        self.stream.write('\r\x1b[2K' + fit_line(line, columns))
        self.stream.flush()

    def finish(self, done):
        if not self.enabled:
            return
        self.update(done, force=True)
        self.stream.write('\n')
        self.stream.flush()


def task_line(t):
    pct = '' if t.get('progress') is None else ' %.1f%%' % t['progress']
    total = t.get('bytes_total')
    size = ' %s/%s' % (human_bytes(t.get('bytes_done') or 0),
                       human_bytes(total)) if total else ''
    rate = ' %s/s' % human_bytes(t['rate']) if t.get('rate') else ''
    eta = ' ETA %s' % human_seconds(t['eta_seconds']) \
        if t.get('eta_seconds') is not None else ''
    err = t.get('error')
    error = ' (%s: %s)' % (err['code'], err['message']) if err else ''
    return '%s %s: %s%s%s%s%s%s' % (t['type'], t['cloud'], t['status'], pct,
                                    size, rate, eta, error)


class TaskBoard(object):
    """One line per task, redrawn in place on a terminal."""

    def __init__(self, stream):
        self.stream = stream
        self.drawn = 0
        self.enabled = _isatty(stream)

    def update(self, tasks):
        if not self.enabled:
            return
        if self.drawn:
            self.stream.write('\x1b[%dA' % self.drawn)
        columns = terminal_width(self.stream)
        for t in tasks:
            line = fit_line(task_line(t), columns)
            self.stream.write('\r\x1b[2K%s\n' % line)
        self.drawn = len(tasks)
        self.stream.flush()
