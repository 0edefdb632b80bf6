"""Calibrate against the real Autobahn|Testsuite (a maintainer's tool, not part of `make test`).

    python tools/autobahn/calibrate.py                   # impl, the JS port if any, mockserver
    python tools/autobahn/calibrate.py --agents impl --cases '9.*'    # one family, printed
    python tools/autobahn/calibrate.py --table-only      # rebuild docs/autobahn-calibration.md

1. Installs Autobahn|Testsuite 25.10.1 for Python 2.7 into ``.cache/autobahn/`` (once; pinned
   dependencies known to install and run; ``--reinstall`` starts over). Python 2.7 is taken
   from ``$AUTOBAHN_PYTHON2``, else ``python2.7`` on PATH, else pyenv's 2.7.x.
2. Runs ``wstest -m fuzzingserver`` and drives it with impl (``impl_client.py``, impl's public
   API only) and, if ``ports/js-ws/index.mjs`` exists (or ``--js-port PATH``; its npm
   dependencies installed), with the JS port (``js_client.mjs``, on ``node``).
3. Runs ``wstest -m fuzzingclient`` against the mock server's ``/echo``
   (``python -m mockserver`` as a subprocess).
4. Writes each agent's per-case verdicts to ``tools/autobahn/results/<agent>.json``, prints the
   counts per verdict, and rebuilds the tables in ``docs/autobahn-calibration.md`` from every
   JSON in ``results/`` (and ``results/before/``): one column per file.

Cases: 1–7, 9 and 10 (12 and 13 are permessage-deflate, which neither side offers).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "tools" / "autobahn"
CACHE = ROOT / ".cache" / "autobahn"
RESULTS = HERE / "results"
DOC = ROOT / "docs" / "autobahn-calibration.md"
JS_PORT = ROOT / "ports" / "js-ws" / "index.mjs"

CASES = ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*"]
TESTSUITE = "autobahntestsuite==25.10.1"
# Known to install and run on Python 2.7.18 (newer releases dropped Python 2).
PINS = [
    "autobahn==0.10.9",
    "Twisted==16.6.0",
    "incremental==17.5.0",
    "constantly==15.1.0",
    "six",
    "zope.interface<5",
    "jinja2<3",
    "markupsafe<2",
    "pyOpenSSL==19.1.0",
    "cryptography==3.3.2",
    "cffi<1.16",
    "service_identity==18.1.0",
    "pyasn1",
    "pyasn1-modules<0.3",
    "attrs==21.4.0",
    "enum34",
    "ipaddress",
    "unittest2",
]
TXAIO = "txaio==1.1.0"  # autobahn 0.10.9 needs the old txaio API; installed over the resolved one

VERDICTS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]
AGENT_ORDER = ["impl", "js-ws", "mockserver"]
BEGIN, END = "<!-- calibrate:begin -->", "<!-- calibrate:end -->"


def log(text: str) -> None:
    print(text, flush=True)


# -- installing the testsuite ------------------------------------------------------------------


def find_python2() -> str:
    candidates = [os.environ.get("AUTOBAHN_PYTHON2", ""), shutil.which("python2.7") or ""]
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(f"{root}/versions/2.7*/bin/python2.7"), reverse=True)
    for candidate in filter(None, candidates):
        # pyenv's shim exists even when 2.7 is not the active version; it then fails to run.
        probe = subprocess.run(
            [candidate, "-c", "import sys; print(sys.version_info[0])"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == "2":
            return candidate
    raise SystemExit("calibrate: no working python2.7 (set AUTOBAHN_PYTHON2)")


def pip(python2: str, args: list[str], env: dict[str, str] | None = None) -> None:
    command = [python2, "-m", "pip", "--disable-pip-version-check", *args]
    with (CACHE / "install.log").open("a") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    if done.returncode != 0:
        raise SystemExit(f"calibrate: pip failed (see {CACHE / 'install.log'}): {' '.join(args)}")


def install(python2: str, reinstall: bool) -> list[Path]:
    """The testsuite in the cache; returns the PYTHONPATH entries it needs."""
    site, boot, pkg, dl = CACHE / "site", CACHE / "bootstrap", CACHE / "pkg", CACHE / "dl"
    marker = CACHE / "installed.json"
    wanted = {"pins": PINS, "txaio": TXAIO, "testsuite": TESTSUITE, "python2": python2}
    if not reinstall and marker.exists() and json.loads(marker.read_text()) == wanted:
        return [site, _package_root(pkg)]
    log(f"installing {TESTSUITE} for {python2} into {CACHE} (log: install.log)")
    for folder in (site, boot, pkg, dl):
        shutil.rmtree(folder, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    # Twisted 16.6's setup_requires lets easy_install fetch the newest incremental, which no
    # longer builds on Python 2; one already on PYTHONPATH satisfies it.
    pip(python2, ["install", "--target", str(boot), "incremental==17.5.0"])
    env = dict(os.environ, PYTHONPATH=str(boot))
    pip(python2, ["install", "--target", str(site), *PINS], env=env)
    pip(python2, ["install", "--target", str(site), "--upgrade", "--no-deps", TXAIO])
    (site / "zope" / "__init__.py").touch()  # zope.interface's namespace, as a plain package
    pip(python2, ["download", "--no-deps", "--dest", str(dl), TESTSUITE])
    (archive,) = [p for p in dl.iterdir() if p.name.lower().startswith("autobahntestsuite")]
    pkg.mkdir()
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(pkg)
    else:
        shutil.unpack_archive(str(archive), str(pkg))
    marker.write_text(json.dumps(wanted, indent=1))
    return [site, _package_root(pkg)]


def _package_root(pkg: Path) -> Path:
    """The folder holding ``autobahntestsuite/`` (a wheel's root, or an sdist's top folder)."""
    for init in sorted(pkg.glob("**/autobahntestsuite/__init__.py"), key=lambda p: len(p.parts)):
        return init.parent.parent
    raise SystemExit(f"calibrate: no autobahntestsuite package under {pkg}")


# -- running things ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[Any], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"calibrate: {process.args!r} exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise SystemExit(f"calibrate: nothing listens on port {port} after {timeout}s")


@contextlib.contextmanager
def background(command: list[str], logfile: Path, **kwargs: Any) -> Iterator[subprocess.Popen[Any]]:
    """A subprocess for the block's duration; stopped (by its own pid) at the end."""
    with logfile.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, **kwargs)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def wstest_command(python2: str, mode: str, spec: Path) -> list[str]:
    return [python2, "-m", "autobahntestsuite.wstest", "-m", mode, "-s", str(spec), "-u", "0"]


def wstest_env(paths: list[Path]) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(str(p) for p in paths))


def read_index(outdir: Path, agent: str) -> dict[str, dict[str, Any]]:
    index = json.loads((outdir / "index.json").read_text())
    if agent not in index:
        raise SystemExit(f"calibrate: no agent {agent!r} in {outdir / 'index.json'}")
    return dict(index[agent])


def run_fuzzingserver(
    python2: str, paths: list[Path], agent: str, client: list[str], cases: list[str]
) -> dict[str, Any]:
    """wstest's fuzzing server, with ``client + [url, --agent, agent, --timings, file]``."""
    port = free_port()
    outdir = CACHE / "reports" / "servers"
    (outdir / "index.json").unlink(missing_ok=True)
    spec = CACHE / f"fuzzingserver-{agent}.json"
    url = f"ws://127.0.0.1:{port}"
    document = {
        "url": url,
        "outdir": str(outdir),
        "cases": cases,
        "exclude-cases": [],
        "exclude-agent-cases": {},
    }
    spec.write_text(json.dumps(document, indent=1))
    timings_file = CACHE / f"timings-{agent}.json"
    timings_file.unlink(missing_ok=True)
    log(f"[{agent}] fuzzing server on {url}; client: {' '.join(client)}")
    with background(
        wstest_command(python2, "fuzzingserver", spec),
        CACHE / f"fuzzingserver-{agent}.log",
        env=wstest_env(paths),
        cwd=CACHE,
    ) as server:
        wait_port(port, server)
        started = time.perf_counter()
        command = [*client, url, "--agent", agent, "--timings", str(timings_file)]
        with (CACHE / f"client-{agent}.log").open("w") as out:
            done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"calibrate: {agent} client failed, see {CACHE}/client-{agent}.log")
    timings = json.loads(timings_file.read_text()) if timings_file.exists() else {"cases": {}}
    families: Counter[str] = Counter()
    for case_id, seconds in timings["cases"].items():
        families[case_id.split(".")[0]] += seconds
    return {
        "role": "client (testee of wstest -m fuzzingserver)",
        "wall_seconds": round(wall, 2),
        "family_seconds": {k: round(v, 2) for k, v in sorted(families.items(), key=_family)},
        "index": read_index(outdir, agent),
    }


def run_fuzzingclient(python2: str, paths: list[Path], cases: list[str]) -> dict[str, Any]:
    """wstest's fuzzing client against ``python -m mockserver``'s /echo."""
    agent = "mockserver"
    port = free_port()
    outdir = CACHE / "reports" / "clients"
    (outdir / "index.json").unlink(missing_ok=True)
    spec = CACHE / "fuzzingclient-mockserver.json"
    document = {
        "outdir": str(outdir),
        "servers": [{"agent": agent, "url": f"ws://127.0.0.1:{port}/echo"}],
        "cases": cases,
        "exclude-cases": [],
        "exclude-agent-cases": {},
    }
    spec.write_text(json.dumps(document, indent=1))
    server_cmd = [sys.executable, "-m", "mockserver", "--port", str(port), "--max-logs", "5000"]
    log(f"[{agent}] fuzzing client against ws://127.0.0.1:{port}/echo")
    with background(server_cmd, CACHE / "mockserver.log", cwd=ROOT) as server:
        wait_port(port, server)
        started = time.perf_counter()
        with (CACHE / "fuzzingclient-mockserver.log").open("w") as out:
            done = subprocess.run(
                wstest_command(python2, "fuzzingclient", spec),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=wstest_env(paths),
                cwd=CACHE,
            )
        wall = time.perf_counter() - started
        wirelog = wirelog_notes(port)
    if done.returncode != 0:
        raise SystemExit(f"calibrate: wstest fuzzingclient failed ({done.returncode})")
    return {
        "role": "server (wstest -m fuzzingclient against /echo)",
        "wall_seconds": round(wall, 2),
        "wirelog_notes": wirelog,
        "index": read_index(outdir, agent),
    }


def wirelog_notes(port: int) -> dict[str, int]:
    """How many connections the mock server's wire log marked, per note kind."""
    from urllib.request import urlopen

    base = f"http://127.0.0.1:{port}"
    with urlopen(f"{base}/_log", timeout=10) as reply:
        summary = json.load(reply)
    kinds: Counter[str] = Counter()
    for entry in summary:
        with urlopen(f"{base}/_log/{entry['id']}", timeout=10) as reply:
            full = json.load(reply)
        for kind in {note["kind"] for note in full["notes"]}:
            kinds[kind] += 1
    return dict(sorted(kinds.items()))


# -- results and the doc -----------------------------------------------------------------------


def _case_key(case_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in case_id.split("."))


def _family(item: tuple[str, Any]) -> int:
    return int(item[0])


def counts(cases: dict[str, dict[str, str]], key: str) -> dict[str, int]:
    found = Counter(case[key] for case in cases.values())
    return {v: found[v] for v in [*VERDICTS, *sorted(set(found) - set(VERDICTS))] if found[v]}


def make_result(agent: str, run: dict[str, Any], cases_spec: list[str]) -> dict[str, Any]:
    index = run.pop("index")
    cases = {
        case_id: {
            "behavior": index[case_id]["behavior"],
            "behaviorClose": index[case_id]["behaviorClose"],
            "remoteCloseCode": index[case_id].get("remoteCloseCode"),
        }
        for case_id in sorted(index, key=_case_key)
    }
    return {
        "agent": agent,
        "source": f"Autobahn|Testsuite {TESTSUITE.split('==')[1]}",
        **run,
        "cases_spec": cases_spec,
        "measured": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _git_head(),
        "counts": {
            "behavior": counts(cases, "behavior"),
            "behaviorClose": counts(cases, "behaviorClose"),
        },
        "cases": cases,
    }


def _relative(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(path)


def _git_head() -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "impl", "mockserver"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return None
    return done.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def print_counts(result: dict[str, Any]) -> None:
    line = ", ".join(f"{n} {v}" for v, n in result["counts"]["behavior"].items())
    close = ", ".join(f"{n} {v}" for v, n in result["counts"]["behaviorClose"].items())
    log(f"[{result['agent']}] behavior: {line}  |  behaviorClose: {close}")
    log(
        f"[{result['agent']}] wall {result['wall_seconds']}s"
        + (f"; per family (s): {result['family_seconds']}" if result.get("family_seconds") else "")
    )
    bad = [c for c, v in result["cases"].items() if v["behavior"] in ("NON-STRICT", "FAILED")]
    if bad:
        log(f"[{result['agent']}] NON-STRICT/FAILED: {', '.join(bad)}")


def columns() -> list[tuple[str, dict[str, Any]]]:
    """(label, result) for every results JSON: ``results/*.json`` then ``results/before/``."""
    found: list[tuple[str, dict[str, Any]]] = []
    for folder, suffix in ((RESULTS, ""), (RESULTS / "before", " (before)")):
        files = sorted(folder.glob("*.json"), key=lambda p: _agent_rank(p.stem))
        for path in files:
            result = json.loads(path.read_text())
            label = result.get("label") or result.get("agent") or path.stem
            found.append((label + suffix, result))
    return found


def _agent_rank(agent: str) -> tuple[int, str]:
    return (AGENT_ORDER.index(agent) if agent in AGENT_ORDER else len(AGENT_ORDER), agent)


def render_tables(cols: list[tuple[str, dict[str, Any]]]) -> str:
    lines = ["### Counts per verdict (`behavior`)", ""]
    lines.append("| verdict | " + " | ".join(label for label, _ in cols) + " |")
    lines.append("|---|" + "---:|" * len(cols))
    for verdict in VERDICTS:
        row = [str(r["counts"]["behavior"].get(verdict, 0)) for _, r in cols]
        lines.append(f"| {verdict} | " + " | ".join(row) + " |")
    walls = [str(r.get("wall_seconds", "–")) for _, r in cols]
    lines.append("| wall seconds | " + " | ".join(walls) + " |")
    cells = [f"`{r.get('commit') or '?'}` {str(r.get('measured', '?'))[:10]}" for _, r in cols]
    lines.append("| measured at | " + " | ".join(cells) + " |")
    ids = sorted({case for _, r in cols for case in r["cases"]}, key=_case_key)
    rows = {case_id: [_cell(r["cases"].get(case_id)) for _, r in cols] for case_id in ids}
    header = ["| case | " + " | ".join(label for label, _ in cols) + " |"]
    header.append("|---|" + "---|" * len(cols))
    differ = [case_id for case_id, row in rows.items() if len(set(row)) > 1]
    lines += ["", "### Where the columns differ (`behavior` / `behaviorClose`)", ""]
    lines += header if differ else ["(nowhere)"]
    lines += [f"| {case_id} | " + " | ".join(rows[case_id]) + " |" for case_id in differ]
    lines += ["", "### Every case (`behavior` / `behaviorClose`)", "", *header]
    lines += [f"| {case_id} | " + " | ".join(row) + " |" for case_id, row in rows.items()]
    return "\n".join(lines)


def _cell(case: dict[str, str] | None) -> str:
    if case is None:
        return "–"
    behavior, close = case["behavior"], case["behaviorClose"]
    text = f"{behavior} / {close}"
    return f"**{text}**" if behavior in ("NON-STRICT", "FAILED") else text


def update_doc() -> None:
    cols = columns()
    if not cols:
        log("calibrate: no results to tabulate")
        return
    tables = f"{BEGIN}\n{render_tables(cols)}\n{END}"
    text = DOC.read_text() if DOC.exists() else f"# Autobahn calibration\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: tables, text, flags=re.S)
    DOC.write_text(text)
    log(f"calibrate: tables in {DOC.relative_to(ROOT)} ({len(cols)} columns)")


# -- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="impl,js-ws,mockserver", help="comma-separated")
    parser.add_argument("--cases", default=None, help="comma-separated case patterns, e.g. '9.*'")
    parser.add_argument("--out", type=Path, default=None, help=f"results folder ({RESULTS})")
    parser.add_argument("--js-port", type=Path, default=JS_PORT, help="the JS port's module")
    parser.add_argument("--js-port-rev", default=None, help="which port that is (for results)")
    parser.add_argument("--reinstall", action="store_true")
    parser.add_argument("--table-only", action="store_true", help="only rebuild the doc's tables")
    args = parser.parse_args(argv)
    if args.table_only:
        update_doc()
        return 0
    cases = args.cases.split(",") if args.cases else CASES
    # A partial run is printed, not written over the full results (unless --out says where).
    out: Path | None = args.out or (RESULTS if cases == CASES else None)
    python2 = find_python2()
    paths = install(python2, args.reinstall)
    here = HERE.relative_to(ROOT)
    for agent in [a.strip() for a in args.agents.split(",") if a.strip()]:
        if agent == "impl":
            run = run_fuzzingserver(
                python2, paths, agent, [sys.executable, str(here / "impl_client.py")], cases
            )
        elif agent == "js-ws":
            if not args.js_port.exists():
                log(f"[js-ws] skipped: no JS port at {args.js_port}")
                continue
            port_dir = args.js_port.parent
            if (port_dir / "package.json").exists() and not (port_dir / "node_modules").exists():
                log(f"[js-ws] skipped: its dependencies are missing (npm ci --prefix {port_dir})")
                continue
            node = shutil.which("node")
            if node is None:
                log("[js-ws] skipped: no node on PATH")
                continue
            os.environ["JS_WS_PORT"] = str(args.js_port.resolve())  # read by js_client.mjs
            client = [node, str(here / "js_client.mjs")]
            run = run_fuzzingserver(python2, paths, agent, client, cases)
            run["port"] = args.js_port_rev or _relative(args.js_port)
            if args.js_port_rev:
                run["label"] = f"js-ws ({args.js_port_rev})"
        elif agent == "mockserver":
            run = run_fuzzingclient(python2, paths, cases)
        else:
            raise SystemExit(f"calibrate: unknown agent {agent!r}")
        result = make_result(agent, run, cases)
        print_counts(result)
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{agent}.json").write_text(json.dumps(result, indent=1) + "\n")
            log(f"[{agent}] wrote {(out / f'{agent}.json')}")
    if out is not None and out.resolve().is_relative_to(RESULTS.resolve()):
        update_doc()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
