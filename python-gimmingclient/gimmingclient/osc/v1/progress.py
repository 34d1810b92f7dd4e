"""Progress on a terminal, drawn as the gimming CLI draws it: a bar with
bytes, rate and ETA for an upload, and one line per task while tasks run.
Nothing is drawn when the stream is not a terminal."""

import math
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


class ProgressBar(object):

    WIDTH = 30

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
        if self.total:
            ratio = min(1.0, float(done) / self.total)
            filled = _js_round(ratio * self.WIDTH)
            eta = (self.total - done) / rate if rate > 0 else float('inf')
            line = '%s [%s%s] %d%% %s/%s %s/s ETA %s' % (
                self.label, '#' * filled, '-' * (self.WIDTH - filled),
                int(math.floor(ratio * 100)), human_bytes(done),
                human_bytes(self.total), human_bytes(rate),
                human_seconds(eta))
        else:
            line = '%s %s %s/s' % (self.label, human_bytes(done),
                                   human_bytes(rate))
        self.stream.write('\r\x1b[2K' + line)
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
        for t in tasks:
            self.stream.write('\r\x1b[2K%s\n' % task_line(t))
        self.drawn = len(tasks)
        self.stream.flush()
