"""The SDK compatibility harness: installs old `mem0ai` SDKs under var/sdk/ and drives them.

Python `mem0ai` 2.2.1 is a dev dependency and runs in-process. The other lines run as
subprocesses, each from its own install directory:

- Python 1.0.11 and 0.1.118: `pip install --target var/sdk/py-<version>` (a full copy of the
  SDK and its dependencies; with `PYTHONPATH=<target>` the venv's interpreter imports the old
  `mem0` and its own pinned dependencies before anything in the venv).
- npm 3.3.1 and 2.4.6: `npm install --prefix var/sdk/node-<version> --legacy-peer-deps`. The
  hosted client needs only axios/uuid/zod/openai; without `--legacy-peer-deps` npm also pulls
  the open-source engine's ~40 peer packages and compiles sqlite natively (90 s instead of 2 s).
- The official CLI `mem0-cli` 0.2.13 (httpx, rich, typer): `pip install --target
  var/sdk/cli-<version>`, like the old Python SDKs; `run_cli()` runs `python -m mem0_cli` once
  per command with `PYTHONPATH=<target>` and a throwaway `$HOME` (it writes ~/.mem0/config.json).

Installs are idempotent (a marker file written last), atomic (built in a temporary directory,
then renamed) and serialised by a per-SDK `flock`, so parallel test runs never collide. A failed
install raises `SdkInstallError` carrying the installer's output; the tests then fail with it.

A driver (tests/sdk/drivers/) speaks JSON lines: the first line on stdin is the scenario header
`{"host", "api_key", "client"?, "calls"?: [...]}`, each further line one call
`{"method", "args"?, "kwargs"?}`. Every answer is one stdout line `@@engram-sdk@@ {json}`:
`{"ok": true, "value": ...}` or `{"ok": false, "error": {"type", "message", ...}}`. The first
answer is the client's construction (`__init__`). `SdkSession` keeps one driver process per test
and lets a test call SDK methods one by one, asserting on the real return values.
"""

from __future__ import annotations

import fcntl
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SDK_ROOT = REPO_ROOT / "var" / "sdk"
DRIVERS = Path(__file__).resolve().parent / "drivers"
MARKER = ".engram-sdk.json"
PREFIX = "@@engram-sdk@@ "
INSTALL_TIMEOUT = 900
CALL_TIMEOUT = 90

# Installs performed by this process: name -> seconds (reported in the terminal summary).
INSTALL_TIMES: dict[str, float] = {}


_NAMES = {"python": "py", "node": "node", "cli": "cli", "mcp-node": "mcp-node"}
# mcp-node: the official MCP TypeScript SDK, whose client tests/mcpserver drives against /mcp.
_PACKAGES = {
    "python": "mem0ai",
    "node": "mem0ai",
    "cli": "mem0-cli",
    "mcp-node": "@modelcontextprotocol/sdk",
}


@dataclass(frozen=True)
class SdkSpec:
    kind: str  # "python", "node", "mcp-node" or "cli" (Python ones installed with pip --target)
    version: str

    @property
    def name(self) -> str:
        return f"{_NAMES[self.kind]}-{self.version}"

    @property
    def package(self) -> str:
        return _PACKAGES[self.kind]

    @property
    def is_pip(self) -> bool:
        return self.kind in ("python", "cli")

    @property
    def path(self) -> Path:
        return SDK_ROOT / self.name


PY_1 = SdkSpec("python", "1.0.11")
PY_0118 = SdkSpec("python", "0.1.118")
JS_3 = SdkSpec("node", "3.3.1")
JS_2 = SdkSpec("node", "2.4.6")
CLI = SdkSpec("cli", "0.2.13")
MCP_JS = SdkSpec("mcp-node", "1.32.2")
ALL_SPECS = (PY_1, PY_0118, JS_3, JS_2, CLI, MCP_JS)


class SdkInstallError(RuntimeError):
    pass


class SdkCallError(Exception):
    """An SDK method raised: `type` is the SDK's exception class name (e.g. MemoryNotFoundError)."""

    def __init__(self, method: str, error: dict):
        self.method = method
        self.error = error
        self.type = error.get("type")
        self.message = error.get("message") or ""
        super().__init__(f"{method}: {self.type}: {self.message}")


def sdk_env(spec: SdkSpec | None = None, **extra: str) -> dict[str, str]:
    """The environment of an SDK process: no telemetry, no writes to $HOME/.mem0, no proxy."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NODE_OPTIONS")}
    env["MEM0_TELEMETRY"] = "false"
    env["MEM0_DIR"] = str(SDK_ROOT / ".mem0-home")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if spec is not None and spec.is_pip:
        env["PYTHONPATH"] = str(spec.path)
    env.update(extra)
    return env


# --- installation ---------------------------------------------------------------------------


def _install_command(spec: SdkSpec, into: Path) -> list[str]:
    if spec.is_pip:
        return [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-input",
            "--disable-pip-version-check",
            "--no-warn-script-location",
            "--target",
            str(into),
            f"{spec.package}=={spec.version}",
        ]
    npm = shutil.which("npm")
    if npm is None:
        raise SdkInstallError("npm is not on PATH: cannot install the JS SDK mem0ai")
    return [
        npm,
        "install",
        "--prefix",
        str(into),
        f"{spec.package}@{spec.version}",
        "--no-audit",
        "--no-fund",
        "--legacy-peer-deps",
        "--loglevel=error",
    ]


# The module a Python client's install must provide, and the distribution it comes from.
_PYTHON_MODULES = {"python": ("mem0", "mem0ai"), "cli": ("mem0_cli.app", "mem0-cli")}


def _check_command(spec: SdkSpec, where: Path) -> tuple[list[str], dict[str, str]]:
    """A command printing the version that `where` really provides to an SDK process."""
    if spec.kind in _PYTHON_MODULES:
        module, distribution = _PYTHON_MODULES[spec.kind]
        code = (
            f"import importlib.metadata as m, {module}, sys; "
            f"assert {module}.__file__.startswith(sys.argv[1]), {module}.__file__; "
            f"print(m.version('{distribution}'))"
        )
        env = sdk_env(**{"PYTHONPATH": str(where)})
        return [sys.executable, "-c", code, str(where)], env
    if spec.package != "mem0ai":
        code = (
            "const fs=require('fs'),path=require('path');"
            "const dir=path.join(process.argv[1],'node_modules',process.argv[2]);"
            "console.log(JSON.parse(fs.readFileSync(path.join(dir,'package.json'),'utf8')).version)"
        )
        return ["node", "-e", code, str(where), spec.package], sdk_env()
    code = (
        "const fs=require('fs'),path=require('path');"
        "const dir=path.join(process.argv[1],'node_modules','mem0ai');"
        "const pkg=JSON.parse(fs.readFileSync(path.join(dir,'package.json'),'utf8'));"
        "const url=require('url').pathToFileURL(path.join(dir,pkg.exports['.'].import)).href;"
        "import(url).then(m=>{if(typeof m.MemoryClient!=='function')throw new Error('no client');"
        "console.log(pkg.version)}).catch(e=>{console.error(e);process.exit(1)})"
    )
    return ["node", "-e", code, str(where)], sdk_env()


def _installed_version(spec: SdkSpec, where: Path) -> str:
    command, env = _check_command(spec, where)
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise SdkInstallError(
            f"{spec.name}: the installed SDK does not load:\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout.strip().splitlines()[-1]


def is_installed(spec: SdkSpec) -> bool:
    try:
        return json.loads((spec.path / MARKER).read_text())["version"] == spec.version
    except (OSError, ValueError, KeyError):
        return False


def ensure_installed(spec: SdkSpec) -> Path:
    """Install `spec` under var/sdk/ unless it is there; raise SdkInstallError on failure."""
    if is_installed(spec):
        return spec.path
    SDK_ROOT.mkdir(parents=True, exist_ok=True)
    with open(SDK_ROOT / f".{spec.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be installing the same SDK
        if is_installed(spec):
            return spec.path
        staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}.", dir=SDK_ROOT))
        staging.chmod(0o755)
        try:
            started = time.monotonic()
            command = _install_command(spec, staging)
            try:
                done = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    env=sdk_env(),
                    cwd=staging,
                    timeout=INSTALL_TIMEOUT,
                )
            except subprocess.TimeoutExpired as exc:
                raise SdkInstallError(
                    f"{spec.name}: `{' '.join(command)}` took over {INSTALL_TIMEOUT} s\n"
                    f"{exc.stdout or ''}\n{exc.stderr or ''}"
                ) from exc
            if done.returncode != 0:
                raise SdkInstallError(
                    f"{spec.name}: `{' '.join(command)}` exited {done.returncode}:\n"
                    f"{done.stdout}\n{done.stderr}"
                )
            version = _installed_version(spec, staging)
            if version != spec.version:
                raise SdkInstallError(
                    f"{spec.name}: installed {spec.package} {version}, not {spec.version}"
                )
            seconds = round(time.monotonic() - started, 1)
            (staging / MARKER).write_text(json.dumps({"version": version, "seconds": seconds}))
            if spec.path.exists():  # a broken leftover without a marker
                shutil.rmtree(spec.path)
            staging.rename(spec.path)
            INSTALL_TIMES[spec.name] = seconds
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return spec.path


# --- running the CLI -------------------------------------------------------------------------

# Variables the CLI reads besides the two we set: default scopes would leak into every command,
# and an AI agent's markers (CLAUDECODE, ...) switch `mem0 init` into its signup flow.
_CLI_INHERITED = ("MEM0_USER_ID", "MEM0_AGENT_ID", "MEM0_APP_ID", "MEM0_RUN_ID", "CLAUDECODE")


@dataclass
class CliResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self):
        """The stdout of a `--json` (agent mode) command: one JSON envelope."""
        try:
            return json.loads(self.stdout)
        except ValueError:
            raise AssertionError(f"mem0 {' '.join(self.args)}: not JSON:\n{self}") from None

    def __str__(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_cli(
    spec: SdkSpec, *args: str, host: str | None, api_key: str | None, home: Path
) -> CliResult:
    """`mem0 <args>` against `host` with `api_key`; `home` stands in for $HOME (~/.mem0/).

    A `None` host or key leaves MEM0_BASE_URL or MEM0_API_KEY unset."""
    env = sdk_env(spec, HOME=str(home))
    for name in (*_CLI_INHERITED, "MEM0_BASE_URL", "MEM0_API_KEY"):
        env.pop(name, None)
    if host is not None:
        env["MEM0_BASE_URL"] = host
    if api_key is not None:
        env["MEM0_API_KEY"] = api_key
    env.update(NO_COLOR="1", COLUMNS="200", TERM="dumb")  # plain text, no wrapping
    done = subprocess.run(
        [sys.executable, "-m", "mem0_cli", *args],
        stdin=subprocess.DEVNULL,  # not a pipe: the CLI would read its text from it
        capture_output=True,
        text=True,
        env=env,
        cwd=home,
        timeout=CALL_TIMEOUT,
    )
    return CliResult(args, done.returncode, done.stdout, done.stderr)


# --- driving an SDK in a subprocess ---------------------------------------------------------


class SdkSession:
    """One SDK client in a driver subprocess; `call()` runs a method and returns its value."""

    def __init__(self, spec: SdkSpec, host: str, api_key: str, client: str = "sync"):
        self.spec = spec
        if spec.kind == "python":
            command = [sys.executable, str(DRIVERS / "py_driver.py")]
        else:
            command = ["node", str(DRIVERS / "js_driver.mjs"), str(spec.path)]
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env=sdk_env(spec),
            cwd=REPO_ROOT,
            bufsize=1,
        )
        self._answers: queue.Queue = queue.Queue()
        self.noise: list[str] = []  # whatever the SDK itself printed to stdout
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self._send({"host": host, "api_key": api_key, "client": client})
            self.identity = self._answer("__init__")
        except BaseException:
            self.close()
            raise

    def _read(self):
        for line in self.process.stdout:
            if line.startswith(PREFIX):
                self._answers.put(json.loads(line[len(PREFIX) :]))
            else:
                self.noise.append(line)
        self._answers.put(None)

    def _send(self, message: dict):
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-6000:]

    def _answer(self, method: str):
        try:
            answer = self._answers.get(timeout=CALL_TIMEOUT)
        except queue.Empty:
            raise AssertionError(
                f"{self.spec.name} driver: no answer to {method} in {CALL_TIMEOUT} s\n"
                f"{self.stderr()}"
            ) from None
        if answer is None:
            raise AssertionError(
                f"{self.spec.name} driver exited ({self.process.poll()}) during {method}:\n"
                f"{''.join(self.noise)[-3000:]}\n{self.stderr()}"
            )
        if not answer["ok"]:
            raise SdkCallError(method, answer["error"])
        return answer["value"]

    def call(self, method: str, *args, **kwargs):
        """Run `client.<method>(*args, **kwargs)` in the SDK process (JS: no kwargs)."""
        if kwargs and self.spec.kind == "node":
            raise TypeError("JS SDK methods take positional arguments only")
        self._send({"method": method, "args": list(args), "kwargs": kwargs})
        return self._answer(method)

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait(10)
        self._stderr.close()
