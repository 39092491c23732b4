"""Run one grading run in a bubblewrap sandbox, with resource limits and a wall-clock timeout.

Inside the sandbox (see :func:`bwrap_args`):

- the root filesystem is mounted read-only; ``/dev`` is a minimal read-only device tree, ``/proc`` the
  sandbox's own;
- the teacher's home directory, ``/tmp``, the submissions folder, the gradebook folder, the repository's
  ``assignments/`` (masters with solutions) and ``_build/`` (autograder zips) are hidden behind empty,
  read-only tmpfs mounts (the Python installation and the repository are bound back read-only when they
  live under one of them);
- the only writable place is the scratch folder holding the copy of the submission (``data/`` and the
  checks are bound into it read-only);
- the environment is cleared except ``PATH``, ``HOME`` (inside the scratch folder), ``LANG`` and a few
  settings that keep numerical libraries to one thread;
- the sandbox has its own network namespace (loopback only), PID, IPC and UTS namespaces; it dies with the
  grader;
- limits on CPU seconds, address space (memory), file size and number of processes are set by the runner
  inside the sandbox before the submission's code runs (as root, it first drops to an unprivileged uid:
  the kernel does not enforce the process limit for uid 0); the grader kills the whole sandbox after the
  wall-clock timeout.

:func:`available` says whether bubblewrap can run here, and if not, why. :func:`run` runs the grading
runner (:mod:`standoff.grade_runner`) in a prepared scratch folder and returns its parsed results.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
OUTPUT_CAP = MB  # what a submission prints is kept up to this many bytes, the rest counted and dropped
SANDBOX_UID_BASE = 2_000_000  # unprivileged uids used when grading as root (one per parallel slot)


@dataclasses.dataclass
class Limits:
    """Per-submission limits. Times in seconds, sizes in MB; 0 means no limit."""

    timeout: float = 120.0     # wall clock for the whole run
    cell_timeout: float = 30.0  # wall clock per code cell (the cell fails, the run goes on)
    cpu: int = 60              # CPU seconds for the grading process
    memory: int = 2048         # address space in MB
    file_size: int = 50        # largest file the submission may write, MB
    processes: int = 64        # processes and threads

    def runner_limits(self) -> dict:
        return {"cpu": self.cpu, "memory": self.memory * MB, "file_size": self.file_size * MB,
                "processes": self.processes}

    def describe(self) -> str:
        return (f"timeout {self.timeout:g} s (cell {self.cell_timeout:g} s), CPU {self.cpu} s, memory {self.memory} MB, "
                f"file size {self.file_size} MB, processes {self.processes}")


RUNNING: set = set()  # process groups of the sandboxes running now (killed by kill_all on Ctrl-C)
_LOCK = threading.Lock()


def kill_all() -> None:
    """Kill every sandbox this process started that is still running."""
    with _LOCK:
        pids = list(RUNNING)
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot run here; the message says why and what to do."""


_HELP = ("Install bubblewrap (`make bwrap`, or `apt-get install bubblewrap`) on a Linux machine that allows "
         "user namespaces, or, only if you trust every submission, grade without a sandbox with UNSAFE=1 "
         "(`--unsafe`); the gradebook then says 'unsafe' for every row.")


def available() -> str | None:
    """None if a bubblewrap sandbox starts here; else a sentence saying why not and how to proceed."""
    exe = shutil.which("bwrap")
    if exe is None:
        return "bubblewrap (bwrap) is not installed. " + _HELP
    try:
        proc = subprocess.run([exe, *_namespace_args(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                               "--", "/bin/true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bubblewrap did not start ({e}). " + _HELP
    if proc.returncode != 0:
        why = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        hint = ""
        if "namespace" in why.lower() or "permission" in why.lower() or "operation not permitted" in why.lower():
            hint = ("This kernel or container does not let this user create namespaces (check "
                    "`sysctl kernel.unprivileged_userns_clone` and `user.max_user_namespaces`, or an AppArmor "
                    "rule for bwrap). ")
        return f"bubblewrap cannot create a sandbox here: {why}. {hint}" + _HELP
    return None


def _namespace_args() -> list[str]:
    args = ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session"]
    if os.geteuid() != 0:  # an ordinary user needs a user namespace; root has the rights already
        args.insert(0, "--unshare-user")
    return args


def _under(path: Path, parent: Path) -> bool:
    try:
        path.relative_to(parent)
        return True
    except ValueError:
        return False


HIDDEN_SYSTEM_DIRS = ("/tmp", "/var/tmp", "/run", "/root", "/home", "/mnt", "/media", "/srv")


def bwrap_args(scratch: Path, binds: dict[str, Path], hide: list[Path], home: Path | None = None) -> list[str]:
    """The bubblewrap command line (without the command) for one sandbox.

    ``binds`` maps a name inside the scratch folder to a host path bound there read-only (``data``,
    ``tests``). ``hide`` lists host folders to cover with an empty read-only tmpfs (the submissions folder,
    the gradebook folder). ``home`` is the teacher's home (default: ``$HOME``); it is hidden, as are
    ``/tmp``, ``/var/tmp``, ``/run`` (sockets of local services), ``/root``, ``/home``, ``/mnt``, ``/media``
    and ``/srv``. The Python installation, the repository and the scratch folder are bound back when they
    live under one of those.
    """
    scratch = Path(scratch).resolve()
    home = Path(home or os.environ.get("HOME") or "/nonexistent").resolve()
    big = [Path(d) for d in HIDDEN_SYSTEM_DIRS if Path(d).is_dir() and not Path(d).is_symlink()]
    if home.is_dir() and home != Path("/") and not any(_under(home, b) for b in big):
        big.append(home)
    # the home is hidden again where a kept folder (the repository, say) would otherwise bring it back into view
    extra = [ROOT / "assignments", ROOT / "_build", home] + [Path(h).resolve() for h in hide]
    args = ["bwrap", *_namespace_args(), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for m in big:
        args += ["--tmpfs", str(m)]
    made: set[Path] = set()
    keeps = [(p, "--ro-bind") for p in sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), ROOT})]
    keeps.append((scratch, "--bind"))
    for keep, how in keeps:
        m = next((b for b in big if _under(keep, b)), None)
        if m is None:
            if how == "--bind":
                args += [how, str(keep), str(keep)]
            continue
        if keep != m:  # bwrap would create the folders on the way as 0700: an unprivileged uid could not enter
            for d in reversed(keep.relative_to(m).parents[:-1]):
                if m / d not in made:
                    made.add(m / d)
                    args += ["--perms", "0755", "--dir", str(m / d)]
        args += [how, str(keep), str(keep)]
    kept = [k for k, _ in keeps[:-1]]
    hidden = []
    for h in extra:  # only what is still visible needs covering
        if h.is_dir() and (not any(_under(h, b) for b in big) or any(_under(h, k) for k in kept)):
            args += ["--tmpfs", str(h)]
            hidden.append(h)
    for name, host in binds.items():
        args += ["--ro-bind", str(host), str(scratch / name)]
    for m in [*big, *hidden, Path("/dev")]:
        args += ["--remount-ro", str(m)]
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": str(scratch / "home"),
           "TMPDIR": str(scratch / "tmp"), "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
           "IPYTHONDIR": str(scratch / "home" / ".ipython"), "PYTHONDONTWRITEBYTECODE": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    args += ["--clearenv"]
    for k, v in env.items():
        args += ["--setenv", k, v]
    args += ["--chdir", str(scratch)]
    return args


def _reader(stream, cap: int, into: list) -> None:
    """Read a pipe to its end, keeping at most ``cap`` bytes (a flood never fills the grader's memory)."""
    kept, total = bytearray(), 0
    while True:
        chunk = stream.read(65536)
        if not chunk:
            break
        total += len(chunk)
        if len(kept) < cap:
            kept += chunk[: cap - len(kept)]
    into.extend([bytes(kept), total])


def run(scratch: Path, notebook: str, binds: dict[str, Path], limits: Limits, hide: list[Path] = (),
        sandbox: bool = True, slot: int = 0, home: Path | None = None) -> dict:
    """Run the grading runner on ``scratch/notebook``; returns a dict with ``results`` (or None), ``status``
    (``ok``, ``timed out``, ``crashed``), ``detail``, ``seconds`` and ``output_bytes``.

    With ``sandbox=False`` (UNSAFE) the runner runs directly, with the same limits but none of the isolation.
    """
    scratch = Path(scratch)
    for d in ("home", "tmp"):
        (scratch / d).mkdir(exist_ok=True)
    for name, host in binds.items():
        if sandbox:
            (scratch / name).mkdir(exist_ok=True)  # the mount point
        else:
            shutil.copytree(host, scratch / name, dirs_exist_ok=True)
    uid = None
    if os.geteuid() == 0 and sandbox:
        uid = SANDBOX_UID_BASE + slot
        for p in [scratch, *scratch.iterdir()]:
            if p.name not in binds:
                os.chown(p, uid, uid)
    token = secrets.token_hex(16)
    cfg = {"token": token, "notebook": notebook, "tests": "./tests", "cell_timeout": limits.cell_timeout,
           "output_cap": OUTPUT_CAP, "limits": limits.runner_limits(), "uid": uid}
    runner = [sys.executable, "-m", "standoff.grade_runner"]
    if sandbox:
        cmd = [*bwrap_args(scratch, binds, list(hide), home), "--", *runner]
        cwd = None
    else:
        cmd, cwd = runner, scratch
    env = None if sandbox else {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    with _LOCK:
        RUNNING.add(proc.pid)
    out: list = []
    err: list = []
    threads = [threading.Thread(target=_reader, args=(proc.stdout, 8 * MB, out), daemon=True),
               threading.Thread(target=_reader, args=(proc.stderr, 64 * 1024, err), daemon=True)]
    for t in threads:
        t.start()
    try:
        proc.stdin.write((json.dumps(cfg) + "\n").encode())
        proc.stdin.close()
    except BrokenPipeError:
        pass
    status = "ok"
    try:
        proc.wait(timeout=limits.timeout or None)
    except subprocess.TimeoutExpired:
        status = "timed out"
    finally:
        if proc.poll() is None or status != "ok":
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the sandbox (and its PID namespace) dies with it
            except ProcessLookupError:
                pass
            proc.wait()
        with _LOCK:
            RUNNING.discard(proc.pid)
    for t in threads:
        t.join(timeout=10)
    seconds = time.perf_counter() - t0
    stdout = out[0] if out else b""
    results = None
    for line in stdout.decode("utf-8", "replace").splitlines():
        if line.startswith(token + " "):
            try:
                results = json.loads(line[len(token) + 1:])
            except json.JSONDecodeError:
                results = None
    rc = proc.returncode
    detail = ""
    if results is None and status == "ok":
        status = "crashed"
        signum = -rc if rc is not None and rc < 0 else (rc - 128 if rc is not None and 128 < rc < 160 else 0)
        if signum:
            try:
                sig = signal.Signals(signum).name
            except ValueError:
                sig = f"signal {signum}"
            detail = {"SIGXCPU": "CPU time limit reached", "SIGKILL": "killed (CPU or memory limit)",
                      "SIGXFSZ": "file size limit reached"}.get(sig, f"killed by {sig}")
            if sig == "SIGXCPU":
                status = "timed out"
        else:
            tail = (err[0] if err else b"").decode("utf-8", "replace").strip().splitlines()
            detail = tail[-1][:300] if tail else f"exit {rc}"
    log = scratch / "output.log"
    out_bytes = log.stat().st_size if log.is_file() else 0
    return {"results": results, "status": status, "detail": detail, "seconds": seconds, "returncode": rc,
            "output_bytes": out_bytes}
