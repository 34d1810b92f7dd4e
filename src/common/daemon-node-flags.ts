/**
 * The node flags each daemon is started with (its launchers: etc/systemd's units, the functional tests'
 * and benchmarks' DaemonSet; doc/source/install/manual.rst for any other). One list, so that what is
 * measured is what is shipped (tests/unit/daemon-node-flags.test.ts checks the units against it).
 *
 * gimming-agent: `--max-semi-space-size=2` (MiB). V8 grows the young generation's two semi-spaces up to
 * 16 MiB each when many objects survive a scavenge, as on an agent's byte path while an upload's copies
 * start (streams, the S3 client). That growth stayed for the rest of the process: 16 to 18 MiB more
 * heap in bench:aws's staging agent, which came to about 145 MiB of RSS against a 150 MiB target. Capped
 * at 2 MiB, the young generation is scavenged more often, which also frees the ArrayBuffers of the byte
 * path's chunks sooner (doc/source/admin/performance.rst, "The staging agent under 150 MiB").
 */
export const DAEMON_NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  'gimming-agent': ['--max-semi-space-size=2'],
};
