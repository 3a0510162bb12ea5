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

from mgd_cocotb import MODE, TRAINER_CONFIG, VARIANTS, Bench, missing, timing_summary, trainer_runs  # noqa: E402

from mgd.rtl.trainer_build import build  # noqa: E402
from mgd.sim.trace import load  # noqa: E402
from mgd.sim.trainer_sim import simulate  # noqa: E402
from mgd.sim.verilog import convert  # noqa: E402


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
def amaranth_run():
    """The trainer runs in Amaranth simulation: ``(build, runs, {test: result})`` with ``runs`` =
    :func:`mgd_cocotb.trainer_runs` and ``result`` from :func:`mgd.sim.trainer_sim.simulate` (one fresh build per
    test: a design is elaborated once)."""
    b = build(TRAINER_CONFIG, mode=MODE)
    runs = trainer_runs(b.regs)
    results = {}
    for test, regs in runs.items():
        trainer = b.trainer if not results else build(TRAINER_CONFIG, mode=MODE).trainer
        results[test] = simulate(trainer, regs)
    return b, runs, results


@pytest.fixture(scope="session")
def trainer_trace(bench, workdir, amaranth_run):
    """``trainer_trace(sim)`` → ``{test: (trace, meta)}`` of the trainer Verilog in ``sim`` for each test of
    ``tb_trainer`` (which checked it against the golden schedule every cycle on the way)."""
    b, runs, _ = amaranth_run

    def run(sim: str):
        out = {test: str(workdir / f"trainer-{test}-{sim}.npz") for test in runs}
        job = {
            "config": TRAINER_CONFIG.to_dict(),
            "mode": MODE,
            "hw_seed": 0,
            "latency": b.trainer.latency,
            "runs": {test: [dataclasses.asdict(r) for r in regs] for test, regs in runs.items()},
            "trace_out": out,
        }
        bench(sim, "trainer").run("tb_trainer", job, "trainer", tests=len(runs))
        return {test: load(path) for test, path in out.items()}

    cached = _cached(run)

    def get(sim: str):
        reason = missing(sim)
        if reason:
            pytest.skip(reason)
        return cached(sim)

    return get
