"""Fixtures of the cocotb tests: Verilog written once per (unit, variant), one build per (simulator, unit, variant)
for the whole session, one trainer run per simulator (its traces are shared by the golden-model and
cross-simulator tests); a line per simulator with its build and run times at the end of the session."""

import dataclasses
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the runner hands sys.path to the simulator as PYTHONPATH: tb_*.py must import there
    sys.path.insert(0, str(HERE))

from mgd_cocotb import TRAINERS, VARIANTS, Bench, missing, timing_summary, trainer_runs  # noqa: E402

from mgd.rtl.pipelined_trainer import PipelinedTrainer  # noqa: E402
from mgd.sim.trace import load  # noqa: E402
from mgd.sim.trainer_sim import simulate  # noqa: E402
from mgd.sim.verilog import convert, convert_build  # noqa: E402


def pytest_terminal_summary(terminalreporter):
    lines = timing_summary()
    if lines:
        terminalreporter.section("cocotb simulators (wall time: build + run)")
        for line in lines:
            terminalreporter.write_line(line)


def _cached(function):
    """Memoize ``function`` (errors too: a failed build fails every test that needs it, but is tried once)."""
    cache = {}

    def get(*key):
        if key not in cache:
            try:
                cache[key] = (True, function(*key))
            except (Exception, pytest.fail.Exception, pytest.skip.Exception) as e:
                cache[key] = (False, e)
        ok, value = cache[key]
        if not ok:
            raise value
        return value

    return get


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cocotb")


@pytest.fixture(scope="session")
def verilog(workdir):
    """``verilog(unit, variant)`` → path of ``mgd verilog``'s output (top ``mgd_<unit>``) for a configuration of
    :data:`mgd_cocotb.VARIANTS`."""

    def write(unit: str, variant: str) -> Path:
        config, mode = VARIANTS[variant]
        path = workdir / f"mgd_{unit}-{variant}.v"
        path.write_text(convert(config, mode=mode, unit=unit))
        return path

    return _cached(write)


@pytest.fixture(scope="session")
def bench(workdir, verilog):
    """``bench(sim, unit, variant="xor")`` → a :class:`Bench` built for ``sim`` (skips if ``sim`` is not
    installed)."""

    def make(sim: str, unit: str, variant: str) -> Bench:
        b = Bench(sim, verilog(unit, variant), f"mgd_{unit}", workdir / f"{sim}-{unit}-{variant}")
        b.build()
        return b

    cached = _cached(make)

    def get(sim: str, unit: str, variant: str = "xor") -> Bench:
        reason = missing(sim)
        if reason:
            pytest.skip(reason)
        return cached(sim, unit, variant)

    return get


@pytest.fixture(scope="session")
def trainer_bench(workdir, bench):
    """``trainer_bench(sim, kind)`` → the :class:`Bench` of the trainer of :data:`mgd_cocotb.TRAINERS` ``kind`` in
    ``sim`` (the reference trainer's is ``bench(sim, "trainer")``: the Verilog of the "xor" variant)."""

    def make(sim: str, kind: str) -> Bench:
        path = workdir / f"mgd_trainer-{kind}.v"
        path.write_text(convert_build(TRAINERS[kind].build()))
        b = Bench(sim, path, "mgd_trainer", workdir / f"{sim}-trainer-{kind}")
        b.build()
        return b

    cached = _cached(make)

    def get(sim: str, kind: str) -> Bench:
        if kind == "reference":
            return bench(sim, "trainer")
        reason = missing(sim)
        if reason:
            pytest.skip(reason)
        return cached(sim, kind)

    return get


@pytest.fixture(scope="session")
def amaranth_runs():
    """``amaranth_runs(kind)`` → the runs of the trainer of :data:`mgd_cocotb.TRAINERS` ``kind`` in Amaranth
    simulation: ``(build, runs, {test: result})`` with ``runs`` = :func:`mgd_cocotb.trainer_runs` and ``result``
    from :func:`mgd.sim.trainer_sim.simulate` (one fresh build per test: a design is elaborated once)."""

    def run(kind: str):
        b = TRAINERS[kind].build()
        runs = trainer_runs(b.regs)
        results = {}
        for test, regs in runs.items():
            trainer = b.trainer if not results else TRAINERS[kind].build().trainer
            results[test] = simulate(trainer, regs)
        return b, runs, results

    return _cached(run)


@pytest.fixture(scope="session")
def amaranth_run(amaranth_runs):
    """The reference trainer's runs in Amaranth simulation (``amaranth_runs("reference")``)."""
    return amaranth_runs("reference")


def trainer_job(kind: str, b, runs: dict, out: dict) -> dict:
    """The job of ``tb_trainer`` for the build ``b`` of :data:`mgd_cocotb.TRAINERS` ``kind``: what it needs to
    rebuild the golden model (configuration, formats, mode, seed register, and the reference trainer's array latency
    or the pipelined trainer's timing), the runs and where each test's trace goes."""
    spec = TRAINERS[kind]
    job = {
        "kind": kind,
        "config": spec.config.to_dict(),
        "formats": spec.fmts.to_dict(),
        "mode": spec.mode,
        "hw_seed": 0,
        "runs": {test: [dataclasses.asdict(r) for r in regs] for test, regs in runs.items()},
        "trace_out": out,
    }
    if isinstance(b.trainer, PipelinedTrainer):
        job["timing"] = dataclasses.asdict(b.trainer.timing)
    else:
        job["latency"] = b.trainer.latency
    return job


@pytest.fixture(scope="session")
def trainer_trace(trainer_bench, workdir, amaranth_runs):
    """``trainer_trace(sim, kind="reference")`` → ``{test: (trace, meta)}`` of the trainer Verilog of ``kind`` in
    ``sim`` for each test of ``tb_trainer`` (which checked it against the golden schedule every cycle on the
    way)."""

    def run(sim: str, kind: str):
        b, runs, _ = amaranth_runs(kind)
        suffix = "" if kind == "reference" else f"-{kind}"
        out = {test: str(workdir / f"trainer-{test}-{sim}{suffix}.npz") for test in runs}
        trainer_bench(sim, kind).run("tb_trainer", trainer_job(kind, b, runs, out), f"trainer{suffix}", tests=len(runs))
        return {test: load(path) for test, path in out.items()}

    cached = _cached(run)

    def get(sim: str, kind: str = "reference"):
        reason = missing(sim)
        if reason:
            pytest.skip(reason)
        return cached(sim, kind)

    return get
