import io
import unittest

from gimmingclient.osc.v1 import progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


class Clock(object):
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class TestHuman(unittest.TestCase):

    def test_bytes_as_the_gimming_cli(self):
        self.assertEqual('0 B', progress.human_bytes(0))
        self.assertEqual('1023 B', progress.human_bytes(1023))
        self.assertEqual('1.0 KiB', progress.human_bytes(1024))
        self.assertEqual('64.0 MiB', progress.human_bytes(64 * 1024 ** 2))
        self.assertEqual('1.5 GiB', progress.human_bytes(1.5 * 1024 ** 3))

    def test_seconds(self):
        self.assertEqual('--:--', progress.human_seconds(float('inf')))
        self.assertEqual('00:00', progress.human_seconds(0.4))
        self.assertEqual('00:01', progress.human_seconds(0.5))
        self.assertEqual('01:05', progress.human_seconds(65))
        self.assertEqual('1:00:01', progress.human_seconds(3601))


class TestProgressBar(unittest.TestCase):

    def test_draws_on_a_terminal_at_most_ten_times_a_second(self):
        out, clock = Terminal(), Clock()
        bar = progress.ProgressBar('Uploading', 4 * 1024 ** 2, out, clock)
        clock.now = 1.0
        bar.update(1024 ** 2)
        clock.now = 1.05
        bar.update(2 * 1024 ** 2)  # too soon: not drawn
        clock.now = 2.0
        bar.finish(4 * 1024 ** 2)
        frames = out.getvalue().split('\r\x1b[2K')[1:]
        self.assertEqual(2, len(frames))
        self.assertEqual(
            'Uploading [########----------------------] 25% '
            '1.0 MiB/4.0 MiB 1.0 MiB/s ETA 00:03', frames[0])
        self.assertEqual(
            'Uploading [##############################] 100% '
            '4.0 MiB/4.0 MiB 2.0 MiB/s ETA 00:00\n', frames[1])

    def test_silent_when_not_a_terminal(self):
        out = io.StringIO()
        bar = progress.ProgressBar('Uploading', 10, out)
        bar.update(5, force=True)
        bar.finish(10)
        self.assertEqual('', out.getvalue())


class TestTaskLine(unittest.TestCase):

    def test_a_running_and_a_failed_task(self):
        running = {'type': 'copy', 'cloud': 'zone-b', 'status': 'running',
                   'progress': 50, 'bytes_done': 1024, 'bytes_total': 2048,
                   'rate': 512, 'eta_seconds': 2, 'error': None}
        self.assertEqual(
            'copy zone-b: running 50.0% 1.0 KiB/2.0 KiB 512 B/s ETA 00:02',
            progress.task_line(running))
        failed = {'type': 'copy', 'cloud': 'zone-a', 'status': 'failed',
                  'progress': None, 'bytes_done': 0, 'bytes_total': None,
                  'rate': None, 'eta_seconds': None,
                  'error': {'code': 'gimming.copy.failed', 'message': 'No.'}}
        self.assertEqual('copy zone-a: failed (gimming.copy.failed: No.)',
                         progress.task_line(failed))

    def test_board_redraws_in_place(self):
        out = Terminal()
        board = progress.TaskBoard(out)
        t = {'type': 'copy', 'cloud': 'a', 'status': 'queued'}
        board.update([t, t])
        board.update([t, t])
        self.assertEqual(1, out.getvalue().count('\x1b[2A'))


class TestNarrowTerminal(unittest.TestCase):
    """No line drawn is wider than the terminal (COLUMNS here)."""

    def setUp(self):
        import os
        self.addCleanup(os.environ.pop, 'COLUMNS', None)
        os.environ['COLUMNS'] = '40'

    @staticmethod
    def _lines(text):
        import re
        text = re.sub(r'\x1b\[\d*[A-Za-z]', '', text)
        return [line for line in re.split(r'[\r\n]', text) if line]

    def test_the_bar_narrows_then_is_cut(self):
        out, clock = Terminal(), Clock()
        bar = progress.ProgressBar('Uploading', 64 * 1024 ** 2, out, clock)
        clock.now = 1.0
        bar.finish(64 * 1024 ** 2)
        lines = self._lines(out.getvalue())
        self.assertTrue(lines)
        for line in lines:
            self.assertLess(len(line), 40, line)
        self.assertTrue(lines[-1].startswith('Uploading [##########] 100% '))

    def test_task_lines_are_cut(self):
        out = Terminal()
        task = {'type': 'copy', 'cloud': 'a-cloud-with-a-rather-long-name',
                'status': 'running', 'progress': 25.0, 'bytes_done': 1,
                'bytes_total': 4, 'rate': 3, 'eta_seconds': 5}
        progress.TaskBoard(out).update([task])
        (line,) = self._lines(out.getvalue())
        self.assertEqual(39, len(line))
        self.assertTrue(line.endswith('\u2026'))

    def test_whole_when_the_width_is_unknown(self):
        import os
        del os.environ['COLUMNS']
        self.assertIsNone(progress.terminal_width(Terminal()))
        self.assertEqual('abcdef', progress.fit_line('abcdef', None))
        self.assertEqual('abc\u2026', progress.fit_line('abcdef', 5))
