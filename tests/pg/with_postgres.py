#!/usr/bin/env python3
"""Run a command against a throw-away PostgreSQL 15 server.

    with_postgres.py COMMAND [ARGS...]

Starts a server in a fresh temporary directory on a free loopback port (initdb, pg_ctl),
as the `postgres` account when run as root (PostgreSQL refuses to run as root), runs
COMMAND with these variables set, then stops the server and removes the directory, also
when COMMAND fails or the wrapper is interrupted:

    VO_TEST_PG       a libpq URI of the server's `postgres` database (trust auth, loopback)
    VO_TEST_PG_CTL   a shell command prefix taking `stop` / `start` / `restart` (fault tests)
    VO_TEST_PG_PORT  the port
    VO_TEST_PG_BIN   the directory of the server binaries (pg_dump, psql, ...)
    VO_TEST_PG_DATA  the server's data directory (the no-plaintext-on-disk check reads it)

The exit status is COMMAND's. Without PostgreSQL binaries the wrapper fails loudly (exit
1): install them with tools/install-deps; the suite is never skipped silently.
"""
import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile


def find_bin():
    env = os.environ.get("VO_PG_BIN")
    cands = [env] if env else []
    cands += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for c in cands:
        if c and os.path.exists(os.path.join(c, "initdb")):
            return c
    path = shutil.which("initdb")
    return os.path.dirname(path) if path else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    pgbin = find_bin()
    if not pgbin:
        print("with_postgres: PostgreSQL server binaries not found (run tools/install-deps)",
              file=sys.stderr)
        return 1
    as_root = os.geteuid() == 0
    prefix = []
    tmp = tempfile.mkdtemp(prefix="vo-pg-")
    if as_root:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        os.chmod(tmp, 0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(tmp, "data")
    log = os.path.join(tmp, "server.log")

    def server_ctl(port):
        opts = ("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s "
                "-c max_connections=200 -c fsync=on -c shared_buffers=32MB" % (port, tmp))
        return prefix + [os.path.join(pgbin, "pg_ctl"), "-D", data, "-l", log, "-w", "-t",
                         "60", "-o", opts]

    def stop():
        subprocess.run(prefix + [os.path.join(pgbin, "pg_ctl"), "-D", data, "-m", "immediate",
                                 "-w", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)

    def on_signal(sig, frame):
        stop()
        sys.exit(128 + sig)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        r = subprocess.run(prefix + [os.path.join(pgbin, "initdb"), "-D", data, "-U",
                                     "postgres", "--auth=trust", "-E", "UTF8",
                                     "--no-locale", "--no-sync"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            print("with_postgres: initdb failed:\n" + r.stdout, file=sys.stderr)
            return 1
        # The port is free when picked but another process (a concurrent suite's client
        # connection, say) can take it before the server binds it: try a few ports.
        for attempt in range(5):
            port = free_port()
            ctl = server_ctl(port)
            r = subprocess.run(ctl + ["start"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if r.returncode == 0:
                break
            print("with_postgres: pg_ctl start on port %d failed (attempt %d)"
                  % (port, attempt + 1), file=sys.stderr)
        ctl_cmd = " ".join(shlex.quote(x) for x in ctl)
        if r.returncode != 0:
            print("with_postgres: pg_ctl start failed:\n" + r.stdout, file=sys.stderr)
            if os.path.exists(log):
                print(open(log).read(), file=sys.stderr)
            return 1
        env = dict(os.environ)
        env["VO_TEST_PG"] = "postgresql://postgres@127.0.0.1:%d/postgres" % port
        env["VO_TEST_PG_CTL"] = ctl_cmd
        env["VO_TEST_PG_PORT"] = str(port)
        env["VO_TEST_PG_BIN"] = pgbin
        env["VO_TEST_PG_DATA"] = data
        return subprocess.run(sys.argv[1:], env=env).returncode
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
