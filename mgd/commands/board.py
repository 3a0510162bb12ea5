"""``mgd board``: the host side of the UART link to a board running the trainer, or to its simulation
(:mod:`mgd.boards.host_driver`)."""

from __future__ import annotations

import sys

from mgd.golden_model.config import ConfigError

from ..cli import formats_type, json_out, write_json
from ..validate import BAUD_RANGE, MAX_TIMEOUT, int_type, real_type, register_type


def add_parser(sub):
    board = sub.add_parser(
        "board",
        help="talk to a board running the trainer (or to its simulation)",
        description="Host side of the UART link (docs/fpga.md): identify the design, train (load "
        "the registers, start, poll progress, read θ), show the status or the weights, or load a dataset's "
        "training split into the board's dataset memory (load --dataset NAME: every value of every sample). "
        "--simulate runs a board design in Amaranth simulation behind a UART model instead of a port: the XOR "
        "trainer's, or with --lanes L the folded trainer's top of mgd build --lanes L (--network, --board, --formats "
        "as mgd build's --dataset, --board, --formats).",
    )
    board.add_argument("action", choices=("info", "train", "status", "theta", "load"))
    where = board.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", help="serial port of the board, e.g. /dev/ttyUSB1")
    where.add_argument(
        "--simulate",
        action="store_true",
        help="a board design in simulation (slow: ~4 k cycles/s for XOR, less for larger networks)",
    )
    board.add_argument(
        "--baud",
        type=int_type(*BAUD_RANGE),
        default=115200,
        help="baud rate of the port (default 115200, what the board tops use)",
    )
    board.add_argument(
        "--steps",
        type=register_type("steps"),
        help="train: the steps register, 1 to 2^32 - 1 (default: keep the board's)",
    )
    board.add_argument(
        "--timeout",
        type=real_type(0, MAX_TIMEOUT, low_open=True),
        default=60.0,
        help="train: seconds to wait for the run (default 60)",
    )
    board.add_argument(
        "--pipelined",
        action="store_true",
        help="with --simulate: simulate the pipelined trainer's board top (mgd build --pipelined)",
    )
    board.add_argument(
        "--lanes",
        type=int_type(1, 256),
        metavar="L",
        help="with --simulate: simulate the folded trainer's board top with L lanes (mgd build --lanes L)",
    )
    board.add_argument(
        "--network",
        choices=("xor", "nist7x7", "digits"),
        default="xor",
        help="with --simulate --lanes: what the simulated folded top trains, as mgd build --dataset (default xor; "
        "nist7x7 on the icebreaker starts with an empty dataset memory, as the bitstream does)",
    )
    board.add_argument(
        "--board",
        dest="sim_board",
        choices=("icebreaker", "ulx3s-85f"),
        help="with --simulate --lanes: the board whose top is simulated (default: icebreaker, or ulx3s-85f for digits)",
    )
    board.add_argument(
        "--formats",
        type=formats_type,
        metavar="NAME|FILE",
        help="with --simulate: the simulated top's formats (default compact, as mgd build's)",
    )
    board.add_argument(
        "--dataset",
        metavar="NAME",
        help="load: the dataset whose training split goes into the board (e.g. nist7x7-16384 for the iCEBreaker's "
        "folded build, whose dataset memory is empty at power-on); it must match the board's shape",
    )
    board.add_argument("--json", type=json_out, help="also write the result as JSON")
    return board


def _dataset_arrays(name: str, info):
    """The training split of dataset ``name`` as the board stores it (stored integers of its act format)."""
    from mgd.golden_model import datasets
    from mgd.golden_model.formats import Fmt

    try:
        ds = datasets.load(name)
    except ValueError as exc:
        raise ConfigError(f"--dataset: {exc}") from None
    act = Fmt(info.act_width, info.act_frac)
    x, y = act.quantize(ds.x_train), act.quantize(ds.y_train)
    if x.shape != (info.n_samples, info.n_in) or y.shape != (info.n_samples, info.n_out):
        raise ConfigError(
            f"--dataset {name}: {x.shape[0]} samples of {x.shape[1]} inputs and {y.shape[1]} targets; the board "
            f"holds {info.n_samples} of {info.n_in} and {info.n_out}"
        )
    return x, y


def run(args) -> int:
    from mgd.boards.host_driver import Board, DeviceError, LinkError, PortError, SerialTransport

    if args.pipelined and not args.simulate:
        raise ConfigError("--pipelined selects the simulated top (with --simulate); a real board runs its bitstream")
    if args.lanes is not None and not args.simulate:
        raise ConfigError("--lanes selects the simulated top (with --simulate); a real board runs its bitstream")
    if args.lanes is not None and args.pipelined:
        raise ConfigError("--lanes and --pipelined are two trainers: choose one")
    if not args.simulate and (args.sim_board is not None or args.formats is not None or args.network != "xor"):
        raise ConfigError("--network, --board and --formats select the simulated top (with --simulate)")
    if args.lanes is None and (args.sim_board is not None or args.network != "xor"):
        raise ConfigError("--network and --board select a folded top: they need --lanes L")
    if (args.action == "load") != (args.dataset is not None):
        raise ConfigError("load needs --dataset NAME, and --dataset is an option of load")
    if args.simulate:
        from mgd.boards.board_trainer import BoardTrainer
        from mgd.boards.platform_top import PIPELINED_BOARD_OPTIONS, folded_build, xor_config
        from mgd.golden_model.formats import BOARD_FORMATS, FORMAT_SETS
        from mgd.sim.uart_model import SimulatedBoard

        config, options = xor_config(), PIPELINED_BOARD_OPTIONS if args.pipelined else {}
        if args.lanes is not None:
            board_name = args.sim_board or ("ulx3s-85f" if args.network == "digits" else "icebreaker")
            try:
                config, options = folded_build(board_name, args.network, args.lanes)
            except ValueError as exc:
                raise ConfigError(f"--board {board_name} --network {args.network}: {exc}") from None
        fmts = args.formats.fmts if args.formats is not None else FORMAT_SETS[BOARD_FORMATS]
        top = BoardTrainer(config, fmts, divisor=4, **options)
        transport = SimulatedBoard(top, 4)
        board, poll, timeout = Board(transport, timeout=2e-3, retries=0), 2e-3, 10.0  # simulated seconds
    else:
        try:
            transport = SerialTransport(args.port, args.baud)
        except PortError as exc:
            raise ConfigError(f"--port: {exc}") from None
        board, poll, timeout = Board(transport), 0.05, args.timeout
    try:
        info = board.info()
        out = {"info": info.__dict__}
        if args.action == "info":
            out["registers"] = board.registers()
        elif args.action == "train":
            if args.steps is not None:
                board.configure(steps=args.steps)
            board.start()
            out["status"] = board.wait_done(timeout=timeout, poll=poll)
            out["theta"] = board.read_theta().tolist()
        elif args.action == "status":
            out["status"] = board.status()
        elif args.action == "load":
            x, y = _dataset_arrays(args.dataset, info)
            board.load_dataset(x, y, progress=not args.simulate)
            out["loaded"] = {"dataset": args.dataset, "samples": len(x)}
        else:
            out["theta"] = board.read_theta().tolist()
    except (LinkError, DeviceError) as exc:
        print(f"mgd board: {exc}", file=sys.stderr)
        return 1
    trainer = f"folded trainer, {info.lanes} lanes; " if info.lanes else ""
    print(
        f"board: {trainer}{info.n_in} inputs, {info.n_out} outputs, {info.n_params} synapses, {info.n_samples} "
        f"samples; θ s{info.theta_width - info.theta_frac - 1}.{info.theta_frac}, "
        f"act s{info.act_width - info.act_frac - 1}.{info.act_frac}"
    )
    if "loaded" in out:
        print(f"loaded {out['loaded']['samples']:,} samples of {args.dataset} into the dataset memory")
    for key in ("registers", "status"):
        if key in out:
            print(f"{key}: " + ", ".join(f"{k}={v}" for k, v in out[key].items()))
    if "status" in out and out["status"].get("seen"):
        st = out["status"]
        print(
            f"accuracy counters: {st['correct']}/{st['seen']} fresh samples correct "
            f"({100 * st['correct'] / st['seen']:.1f} %) over {st['step']:,} steps, {st['cycles']:,} cycles"
        )
    if "theta" in out:
        scale = 2.0**-info.theta_frac
        print("theta: " + " ".join(f"{v * scale:+.4f}" for v in out["theta"]))
    if args.json:
        write_json(args.json, out, indent=1)
    return 0
