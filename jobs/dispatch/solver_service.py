"""The warm solver for the intraday re-solves in production: a small local service that
outlives the setpoints flow runs (a process work pool starts each run in a new process, so a
solver held inside one would die with it), keeps the optimiser's modules imported and solves
one problem after another.

Lifecycle (docs/intraday.md, "Production"):
- start: on demand. A setpoints cycle that finds no service starts one (`python -m
  jobs.dispatch.solver_service`, detached from the caller: it double-forks, so it is nobody's
  child and nobody's zombie) and waits for its socket. One per machine and data root: the
  service holds an exclusive lock on its folder's lock file for its life, a second one exits.
- health: every request is a handshake on the socket (HMAC with a key only the owner can read,
  the folder is mode 0700); `ping` answers with the pid and the solves so far.
- restart: a solve not answered within the caller's budget gets the service killed by the
  caller (SIGKILL, pid from the handshake); that cycle falls back to the day-ahead plan and
  the next one starts a fresh service. A service that died is restarted the same way.
- shutdown: `stop` request, SIGTERM/SIGINT, or idle_exit_s without a request (the platform
  stopped calling it: it must not outlive its users). The lock goes with the process.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import secrets
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import (
    AuthenticationError,
    Connection,
    Listener,
    answer_challenge,
    deliver_challenge,
)
from pathlib import Path

from jobs.dispatch.inputs import DispatchInputs
from jobs.dispatch.solve import SolveOptions, SolveResult
from jobs.dispatch.warm_solver import Attempt, WarmAnswer, answer

SOCKET, LOCK, KEY, LOG = "solver.sock", "solver.lock", "solver.key", "solver.log"
HANDSHAKE_S = 5.0  # an idle service answers at once; one that does not is wedged
START_TIMEOUT_S = 30.0  # an interpreter start and the optimiser's imports, on a busy machine


def service_folder(data_root: str) -> Path:
    """A short local folder per data root: a Unix socket path must stay under ~100 bytes,
    and a data root on object storage has no local folder of its own."""
    digest = hashlib.sha1(data_root.encode()).hexdigest()[:12]
    folder = Path(tempfile.gettempdir()) / f"park-solver-{os.getuid()}-{digest}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o077:
        raise PermissionError(f"{folder} is not private to this user: the solver will not "
                              "use it")
    key = folder / KEY
    if not key.exists():
        with contextlib.suppress(FileExistsError):
            descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(32))
    return folder


# -- the service ------------------------------------------------------------------------------
def serve(folder: Path, idle_exit_s: float) -> None:
    lock = open(folder / LOCK, "w")  # noqa: SIM115 - held for the process's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return  # another service serves this folder
    socket = folder / SOCKET
    socket.unlink(missing_ok=True)  # a dead service's (we hold the lock)
    listener = Listener(str(socket), family="AF_UNIX", authkey=(folder / KEY).read_bytes())
    last_request = [time.monotonic()]
    busy = [False]  # a request in hand is never idle time, however long its solve
    solves = [0]

    def stop(*_) -> None:
        raise SystemExit(0)

    def watch_idle() -> None:
        while busy[0] or time.monotonic() - last_request[0] < idle_exit_s:
            time.sleep(min(5.0, idle_exit_s / 10))
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=watch_idle, daemon=True, name="idle-exit").start()
    try:
        while True:
            try:
                connection = listener.accept()
            except (OSError, EOFError, AuthenticationError):  # that caller's problem
                continue
            with connection:
                busy[0], last_request[0] = True, time.monotonic()
                if not _handle(connection, solves):
                    return
                busy[0], last_request[0] = False, time.monotonic()
    finally:
        listener.close()
        socket.unlink(missing_ok=True)


def _handle(connection: Connection, solves: list[int]) -> bool:
    """One request; False: stop serving."""
    try:
        request = connection.recv()
    except (EOFError, OSError):
        return True
    if request.get("op") == "solve":
        started = time.perf_counter()
        outcome = answer(request["inputs"], request["options"])
        solves[0] += 1
        reply = {"pid": os.getpid(), "solves": solves[0],
                 "answer": WarmAnswer(outcome, time.perf_counter() - started)}
    else:
        reply = {"pid": os.getpid(), "solves": solves[0]}
    with contextlib.suppress(OSError):
        connection.send(reply)
    return request.get("op") != "stop"


# -- the caller's side ----------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceAnswer:
    answer: WarmAnswer
    pid: int | None  # the service that answered (None: none did)
    started: bool  # this call started the service


class SolverClient:
    """The setpoints cycle's handle on the service (it holds no process of its own)."""

    def __init__(self, data_root: str, idle_exit_s: float = 3600.0):
        self.folder = service_folder(data_root)
        self.idle_exit_s = idle_exit_s
        self._key = (self.folder / KEY).read_bytes()

    def _connect(self, timeout_s: float) -> Connection | None:
        """An authenticated connection, retried until timeout_s (0: one try), or None. The
        handshake itself is bounded (HANDSHAKE_S): a service that does not answer it is as
        absent as one that does not run."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self._handshake()
            except (OSError, EOFError, AuthenticationError):
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.05)

    def _handshake(self) -> Connection:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(HANDSHAKE_S)
            sock.connect(str(self.folder / SOCKET))
            sock.settimeout(None)
            # the Connection reads the descriptor directly: the kernel bounds its reads
            bounded = struct.pack("ll", int(HANDSHAKE_S), 0)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, bounded)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, bounded)
        except OSError:
            sock.close()
            raise
        connection = Connection(sock.detach())
        try:  # as multiprocessing.connection.Client does it
            answer_challenge(connection, self._key)
            deliver_challenge(connection, self._key)
        except BaseException:
            connection.close()
            raise
        # from here on the caller polls before it reads, with its own budget
        unbounded = struct.pack("ll", 0, 0)
        for option in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO):
            with socket.socket(fileno=os.dup(connection.fileno())) as view:
                view.setsockopt(socket.SOL_SOCKET, option, unbounded)
        return connection

    def ping(self) -> dict | None:
        """The service's pid and solves, or None when none runs (nothing is started)."""
        connection = self._connect(0.0)
        if connection is None:
            return None
        with connection:
            connection.send({"op": "ping"})
            return connection.recv() if connection.poll(5.0) else None

    def _start(self) -> None:
        project = Path(__file__).resolve().parents[2]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(project), *filter(None, [os.environ.get("PYTHONPATH")])])}
        with open(self.folder / LOG, "ab") as log:
            launcher = subprocess.Popen(
                [sys.executable, "-m", "jobs.dispatch.solver_service", "--folder",
                 str(self.folder), "--idle-exit-s", f"{self.idle_exit_s:g}"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=project, env=env,
                start_new_session=True, close_fds=True)
        launcher.wait()  # it forks the service and exits at once: reaped here

    def solve(self, inputs: DispatchInputs, options: SolveOptions, wall_limit_s: float
              ) -> ServiceAnswer:
        """The service's answer within wall_limit_s (starting it counts), or an answer with
        no solution that says why; a service that overruns is killed."""
        begun = time.perf_counter()
        connection, started = self._connect(0.0), False
        if connection is None:
            self._kill(self._service_pid())  # a service that holds its lock and will not talk
            self._start()
            started = True
            connection = self._connect(min(START_TIMEOUT_S, wall_limit_s))
            if connection is None:
                return self._failed(begun, "time_limit" if _left(begun, wall_limit_s) <= 0
                                    else "error", "the solver service did not start (see "
                                    f"{self.folder / LOG})", None, started)
        with connection:
            pid = None
            try:
                connection.send({"op": "solve", "inputs": inputs, "options": options})
                if connection.poll(max(_left(begun, wall_limit_s), 0.0)):
                    reply = connection.recv()
                    return ServiceAnswer(reply["answer"], reply["pid"], started)
                why, status = f"no answer within {wall_limit_s:g} s: abandoned", "time_limit"
            except (EOFError, OSError) as exc:
                why, status = f"the solver service died ({type(exc).__name__})", "error"
        pid = self._service_pid()
        self._kill(pid)  # overran (or half-dead): the next cycle starts a fresh one
        return self._failed(begun, status, why, pid, started)

    @staticmethod
    def _kill(pid: int | None) -> None:
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        gone_by = time.monotonic() + 5.0
        while _running(pid) and time.monotonic() < gone_by:
            time.sleep(0.01)

    def _service_pid(self) -> int | None:
        """The service's pid: the holder of its lock (a service busy solving cannot answer a
        ping)."""
        return _lock_holder(self.folder / LOCK)

    @staticmethod
    def _failed(begun: float, status: str, why: str, pid: int | None, started: bool
                ) -> ServiceAnswer:
        elapsed = time.perf_counter() - begun
        return ServiceAnswer(WarmAnswer(Attempt(SolveResult(status, False, None, None, elapsed,
                                                            why), None), elapsed), pid, started)

    def stop(self, wait_s: float = 10.0) -> None:
        """Ask the service to exit, and wait (at most wait_s) until its process has."""
        pid, connection = None, self._connect(0.0)
        if connection is not None:
            with connection:
                connection.send({"op": "stop"})
                if connection.poll(wait_s):
                    pid = connection.recv()["pid"]
        pid = pid or self._service_pid()
        deadline = time.monotonic() + wait_s
        while pid is not None and _running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def _left(begun: float, limit_s: float) -> float:
    return limit_s - (time.perf_counter() - begun)


def _running(pid: int) -> bool:
    """The process exists and has not exited (a zombie waits only for its parent to reap it:
    the service's parent is init, which may be slow to)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _lock_holder(path: Path) -> int | None:
    """The pid holding the flock on path, from /proc/locks (Linux), or None."""
    try:
        inode = path.stat().st_ino
        with open("/proc/locks", encoding="ascii") as locks:
            for line in locks:
                parts = line.split()
                # e.g. "1: FLOCK  ADVISORY  WRITE 12345 00:2a:123456 0 EOF"
                if len(parts) >= 6 and parts[1] == "FLOCK" and \
                        parts[5].rsplit(":", 1)[-1] == str(inode):
                    return int(parts[4])
    except (OSError, ValueError):
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", required=True, type=Path)
    parser.add_argument("--idle-exit-s", type=float, default=3600.0)
    args = parser.parse_args()
    if os.fork() > 0:  # the launcher exits at once; the service is reparented
        os._exit(0)
    serve(args.folder, args.idle_exit_s)
    os._exit(0)  # at once: nothing is left to flush, and the lock is released with the process


if __name__ == "__main__":
    main()
