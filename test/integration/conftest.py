"""Fixtures for integration tests against a SQL Server: the project's simulator by default, or a
real SQL Server when MSSQL_HOST/MSSQL_PORT/MSSQL_USER/MSSQL_PASSWORD are set.

Tests talk to the server only through stock clients (python-tds, FreeTDS tsql/freebcp), so the
same test runs unchanged against either. Tests that need a server *setting* only the simulator can
change (edition, version, forced encryption, a second login) use `sim_factory` and are skipped
against a real server.
"""
import os
import pathlib
import subprocess
import tempfile
import time
import uuid

import pytds
import warnings
warnings.filterwarnings("ignore", message="server parameter is deprecated")
import pytest
from tds_batch import run_batch

ROOT = pathlib.Path(__file__).resolve().parents[2]
SQLSIM = ROOT / "build" / "sqlsim"
REAL = bool(os.environ.get("MSSQL_HOST"))
SIM_SA_PASSWORD = "Sim_Passw0rd"


class Server:
    """Where a SQL Server listens and how to reach it with each client."""

    def __init__(self, host, port, user, password, workdir, real, proc=None, cafile=None):
        self.host, self.port, self.user, self.password = host, int(port), user, password
        self.workdir = pathlib.Path(workdir)
        self.real = real
        self.proc = proc
        self.cafile = cafile
        self.freetds_conf = self.workdir / "freetds.conf"
        self.write_freetds_conf()

    def write_freetds_conf(self, encryption="off"):
        self.freetds_conf.write_text(
            "[global]\n\ttds version = 7.4\n\tclient charset = UTF-8\n"
            f"\ttext size = 64512000\n\n[mssql]\n\thost = {self.host}\n\tport = {self.port}\n"
            f"\ttds version = 7.4\n\tencryption = {encryption}\n")

    def env(self):
        env = dict(os.environ)
        env["FREETDSCONF"] = str(self.freetds_conf)
        env.pop("TDSVER", None)
        return env

    def connect(self, database="master", user=None, password=None, autocommit=True, **kw):
        return pytds.connect(server=self.host, port=self.port, user=user or self.user,
                             password=self.password if password is None else password,
                             database=database, autocommit=autocommit, login_timeout=10,
                             timeout=kw.pop("timeout", 60), **kw)

    def execute(self, sql, database="master", params=None):
        """Runs one batch; returns the rows of the last result set (or [])."""
        with self.connect(database) as conn:
            return run_batch(conn, sql, params)

    def tsql(self, sql, database=None, user=None, password=None, check=True):
        """Runs `sql` through FreeTDS tsql; returns (returncode, stdout, stderr)."""
        args = ["tsql", "-S", "mssql", "-U", user or self.user,
                "-P", self.password if password is None else password, "-o", "q"]
        if database:
            args += ["-D", database]
        p = subprocess.run(args, input=sql + "\ngo\nexit\n", capture_output=True, text=True,
                           env=self.env(), timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"tsql failed ({p.returncode}): {p.stdout}\n{p.stderr}")
        return p.returncode, p.stdout, p.stderr

    def freebcp(self, query_or_table, direction, path, database=None, extra=()):
        args = ["freebcp", query_or_table, direction, str(path), "-S", "mssql", "-U", self.user,
                "-P", self.password, "-c"]
        if database:
            args += ["-D", database]
        args += list(extra)
        return subprocess.run(args, capture_output=True, text=True, env=self.env(), timeout=600)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def start_simulator(workdir, *args):
    workdir = pathlib.Path(workdir)
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    port_file = workdir / "port"
    if not SQLSIM.exists():
        pytest.fail(f"{SQLSIM} is not built; run `make simulator` first")
    log = open(workdir / "sqlsim.out", "w")
    proc = subprocess.Popen([str(SQLSIM), "--port", "0", "--port-file", str(port_file),
                             "--data-dir", str(workdir / "data"),
                             "--log-file", str(workdir / "sqlsim.log"), *args],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        if port_file.exists() and port_file.read_text().strip():
            break
        if proc.poll() is not None:
            raise RuntimeError(f"sqlsim exited: {(workdir / 'sqlsim.out').read_text()}")
        time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("sqlsim did not start in 20 s")
    cafile = None
    if "--cert" in args:
        cafile = args[list(args).index("--cert") + 1]
    return Server("127.0.0.1", port_file.read_text().strip(), "sa", SIM_SA_PASSWORD, workdir,
                  real=False, proc=proc, cafile=cafile)


@pytest.fixture(scope="session")
def mssql(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("mssql")
    if REAL:
        yield Server(os.environ["MSSQL_HOST"], os.environ.get("MSSQL_PORT", "1433"),
                     os.environ.get("MSSQL_USER", "sa"), os.environ["MSSQL_PASSWORD"], workdir,
                     real=True)
        return
    server = start_simulator(workdir)
    yield server
    server.stop()


@pytest.fixture
def sim_factory(tmp_path):
    """Starts extra simulators with given options; skips against a real SQL Server."""
    if REAL:
        pytest.skip("needs a simulator setting a real SQL Server cannot be given per test")
    started = []

    def factory(*args):
        server = start_simulator(tmp_path / f"sim{len(started)}", *args)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def db(mssql):
    """A fresh database for one test, dropped afterwards."""
    name = "it_" + uuid.uuid4().hex[:10]
    mssql.execute(f"CREATE DATABASE [{name}]")
    yield name
    try:
        mssql.execute(f"DROP DATABASE [{name}]")
    except pytds.Error:
        pass


def make_cert(directory):
    """A self-signed certificate for 127.0.0.1 / localhost, made with the openssl CLI."""
    directory = pathlib.Path(directory)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture
def tmpdir_path():
    with tempfile.TemporaryDirectory() as d:
        yield pathlib.Path(d)
