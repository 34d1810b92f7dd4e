#!/usr/bin/env python3
"""A userspace emulated link between two TUN devices: delay, rate and random loss, per direction.

For kernels without sch_netem (tools/bench/lib/wan/index.ts uses `tc netem` on a veth pair where it can).
Made and driven by tools/bench/lib/wan/index.ts; run by hand for experiments:

    linkemu.py --dev-a gwan-a --dev-b gwan-b --delay-ms 20 --rate-bps 500e6 --loss 0.001 --mtu 65000

It opens both TUN devices (IFF_TUN | IFF_NO_PI: raw IP packets), prints "ready" on stdout and then moves
every packet read from one device to the other: dropped at random with probability --loss, queued
behind the packets before it at --rate-bps (a packet leaves the queue size*8/rate seconds after the one
before it; the queue holds at most --queue-bytes, beyond which packets are dropped, as a router's tail
drop), and written out --delay-ms after it left the queue. That is the one-way delay, so the round trip
is twice it. The devices vanish when the process ends (they are not persistent); it ends with its parent
(PR_SET_PDEATHSIG) and on SIGTERM/SIGINT. On SIGUSR1 it prints its counters on stderr.
"""
import argparse
import collections
import ctypes
import fcntl
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
PR_SET_PDEATHSIG = 1


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


class Direction:
    """One way of the link: a rate-limited FIFO queue, then a fixed delay line."""

    def __init__(self, name, src, dst, args):
        self.name, self.src, self.dst = name, src, dst
        self.delay = args.delay_ms / 1000.0
        self.rate = args.rate_bps / 8.0  # bytes per second; 0: unlimited
        self.loss = args.loss
        self.queue_limit = args.queue_bytes
        self.tx_free_at = 0.0  # when the "wire" has sent the last queued packet
        self.line = collections.deque()  # (deliver_at, packet), in order
        self.counters = collections.Counter()

    def receive(self, now):
        """Reads every packet waiting on the source device."""
        while True:
            try:
                packet = os.read(self.src, 65536)
            except BlockingIOError:
                return
            self.counters['packets'] += 1
            if self.loss and random.random() < self.loss:
                self.counters['lost'] += 1
                continue
            start = max(now, self.tx_free_at)
            if self.rate:
                if (start - now) * self.rate > self.queue_limit:
                    self.counters['queue_drops'] += 1
                    continue
                self.tx_free_at = start + len(packet) / self.rate
            else:
                self.tx_free_at = start
            self.line.append((self.tx_free_at + self.delay, packet))

    def deliver(self, now):
        """Writes the packets that are due; returns when the next one is (or None)."""
        line = self.line
        while line and line[0][0] <= now:
            _, packet = line.popleft()
            try:
                os.write(self.dst, packet)
                self.counters['bytes'] += len(packet)
            except (BlockingIOError, OSError):
                self.counters['write_drops'] += 1
        return line[0][0] if line else None


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--dev-a', required=True)
    p.add_argument('--dev-b', required=True)
    p.add_argument('--delay-ms', type=float, default=0.0, help='one-way delay (RTT/2)')
    p.add_argument('--rate-bps', type=float, default=0.0, help='bits per second each way; 0: unlimited')
    p.add_argument('--loss', type=float, default=0.0, help='fraction of packets dropped, each way')
    p.add_argument('--queue-bytes', type=int, default=0, help='queue limit; default: 2x the BDP, >= 4 MiB')
    p.add_argument('--seed', type=int, default=None)
    args = p.parse_args()
    if not args.queue_bytes:
        bdp = args.rate_bps / 8.0 * max(args.delay_ms * 2, 1.0) / 1000.0
        args.queue_bytes = int(max(2 * bdp, 4 * 1024 * 1024))
    random.seed(args.seed)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:
        return 0

    fd_a, fd_b = open_tun(args.dev_a), open_tun(args.dev_b)
    ab = Direction('a->b', fd_a, fd_b, args)
    ba = Direction('b->a', fd_b, fd_a, args)
    by_fd = {fd_a: ab, fd_b: ba}

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    def report(*_):
        for d in (ab, ba):
            sys.stderr.write('%s %s\n' % (d.name, dict(d.counters)))
        sys.stderr.flush()

    signal.signal(signal.SIGUSR1, report)
    poller = select.epoll()
    poller.register(fd_a, select.EPOLLIN)
    poller.register(fd_b, select.EPOLLIN)
    sys.stdout.write('ready\n')
    sys.stdout.flush()

    clock = time.monotonic
    timeout = -1
    while not stop:
        try:
            events = poller.poll(timeout)
        except InterruptedError:
            events = []
        now = clock()
        for fd, _ in events:
            by_fd[fd].receive(now)
        nexts = [t for t in (ab.deliver(now), ba.deliver(now)) if t is not None]
        timeout = max(0.0, min(nexts) - clock()) if nexts else -1
    report()
    return 0


if __name__ == '__main__':
    sys.exit(main())
