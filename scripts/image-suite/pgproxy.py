"""PostgreSQL's on/off switch for the app suite run inside the image.

The image test (scripts/test-app-image.sh) runs the app's suite inside the
built image against a PostgreSQL service container it cannot stop. The
outage test stops and starts "the database" with pg_ctl; this TCP proxy is
that database as the app sees it: it forwards LISTEN to TARGET, and on
SIGUSR1 closes its listener and every open connection (the app then gets
what a stopped server gives: resets and refused connections), on SIGUSR2
listens again. It writes "up" or "down" to STATEFILE after each switch, so
the pg_ctl stand-in can wait for it as `pg_ctl -w` does, and its pid to
STATEFILE.pid, which the stand-in signals.

Usage: python3 pgproxy.py LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT STATEFILE
"""
import os
import signal
import socket
import sys
import threading
import time


def main(argv):
    listen_host, listen_port, target_host, target_port, statefile = argv
    listen_port, target_port = int(listen_port), int(target_port)
    want_up = [True]
    conns = []
    lock = threading.Lock()

    def on_signal(signum, frame):
        want_up[0] = signum == signal.SIGUSR2

    signal.signal(signal.SIGUSR1, on_signal)
    signal.signal(signal.SIGUSR2, on_signal)
    with open(statefile + ".pid", "w") as f:
        f.write(f"{os.getpid()}\n")

    def write_state(state):
        with open(statefile + ".tmp", "w") as f:
            f.write(state + "\n")
        # Atomic, so the stand-in never reads half a word.
        os.replace(statefile + ".tmp", statefile)

    def pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    listener = None
    while True:
        if want_up[0] and listener is None:
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((listen_host, listen_port))
            listener.listen(64)
            listener.settimeout(0.1)
            write_state("up")
        elif not want_up[0] and listener is not None:
            listener.close()
            listener = None
            with lock:
                for s in conns:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
                conns.clear()
            write_state("down")
        if listener is None:
            time.sleep(0.1)
            continue
        try:
            client, _ = listener.accept()
        except (socket.timeout, InterruptedError):
            continue
        try:
            upstream = socket.create_connection((target_host, target_port), timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        with lock:
            conns.extend([client, upstream])
        threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
