"""The ``unimo`` command.

``unimo fit|validate|test --config FILE`` is a LightningCLI in subclass mode: ``model:`` names any
LightningModule (``class_path: JointTask``) and ``data:`` any LightningDataModule. Every other subcommand
(``unimo data synth``, ``unimo generate`` ...) is a plain function registered with
``unimo.commands.subcommand``; its signature and docstring are its parser and ``--help`` (jsonargparse).
Plugins load once, before any parser is built. ``unimo test --ckpt FILE`` (short for ``--ckpt_path``) also
writes a report folder (``unimo.reports``; options ``--report.*``, see ``unimo.lightning_cli``).
"""

from __future__ import annotations

import inspect
import os
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path

from unimo import __version__
from unimo.commands import SUBCOMMANDS, discover
from unimo.input_errors import TRACEBACK_ENV, input_errors_in_one_line
from unimo.plugins import PluginError, autoload_disabled, load_plugins

LIGHTNING_SUBCOMMANDS = {
    "fit": "train a model (LightningCLI)",
    "validate": "run validation on a checkpoint (LightningCLI)",
    "test": "test a checkpoint (--ckpt FILE) and write a report with pictures (LightningCLI)",
}
# Lightning subcommands unimo does not offer, and what does the job instead.
INSTEAD = {"predict": "use `unimo capture CKPT --video V` (video -> motion) or "
                      "`unimo generate CKPT --image I` (image -> video + motion)"}


def main(argv: Sequence[str] | None = None) -> None:
    """Dispatch ``unimo <subcommand> ...``."""
    args = list(sys.argv[1:] if argv is None else argv)
    discover()
    if not autoload_disabled():
        try:
            load_plugins()
        except PluginError as err:  # the plugin's own file and cause; a traceback would only bury them
            if os.environ.get(TRACEBACK_ENV):
                raise
            sys.exit(f"unimo: {err}\n(UNIMO_DISABLE_PLUGIN_AUTOLOAD=1 runs without plugins; "
                     f"{TRACEBACK_ENV}=1 shows the traceback)")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(usage())
        return
    if args[0] == "--version":
        print(f"unimo {__version__}")
        return
    if args[0] in LIGHTNING_SUBCOMMANDS:
        run_lightning(args)
        return
    name, rest = _match_subcommand(args)
    with input_errors_in_one_line(name):
        run_function(name, SUBCOMMANDS[name], rest)


def usage() -> str:
    """Return the top-level help: every subcommand with its one-line summary."""
    rows = dict(LIGHTNING_SUBCOMMANDS)
    rows.update({name: _summary(fn) for name, fn in sorted(SUBCOMMANDS.items())})
    width = max(map(len, rows))
    lines = [f"  {name.ljust(width)}  {text}" for name, text in rows.items()]
    return "\n".join([
        "usage: unimo <subcommand> [options]   (unimo <subcommand> --help for its options)",
        "",
        "Model 2D human video and 3D SMPL-X motion as one autoregressive token sequence.",
        "",
        "subcommands:",
        *lines,
    ])


def run_lightning(args: list[str]) -> None:
    """Run the LightningCLI (``UnimoCLI``) with every registered task and DataModule importable by short name.

    A missing file (checkpoint, tokenizer, data, FID/FVD weights) stops with its one-line message, which
    names the file and what to do, instead of a traceback.
    """
    from lightning import LightningDataModule, LightningModule

    from unimo.lightning_cli import UnimoCLI

    import_components()
    check_overlay_order(args)
    from_shell = args == sys.argv[1:]
    args = [_ckpt_alias(arg) for arg in args]
    if from_shell:
        sys.argv[1:] = args  # LightningCLI reads its own argv (and warns when also given args)
    with input_errors_in_one_line(args[0]):
        UnimoCLI(
            LightningModule,
            LightningDataModule,
            subclass_mode_model=True,
            subclass_mode_data=True,
            args=None if from_shell else args,
            save_config_kwargs={"overwrite": True},
            auto_configure_optimizers=False,
        )


def check_overlay_order(args: list[str]) -> None:
    """Stop when the first ``--config`` is an overlay (first line ``# overlay-of: BASE``): alone it lacks the
    model its keys change, and LightningCLI's complaint about that does not say so."""
    configs = [arg.split("=", 1)[1] if arg.startswith("--config=") else args[i + 1]
               for i, arg in enumerate(args)
               if arg.startswith("--config=") or (arg in ("--config", "-c") and i + 1 < len(args))]
    first = next(iter(configs), None)
    if first is None or not Path(first).is_file():
        return
    line = next(iter(Path(first).read_text().splitlines()), "")
    if line.startswith("# overlay-of:"):
        base = line.split(":", 1)[1].strip()
        sys.exit(f"unimo {args[0]}: {first} is an overlay of {base}; give the base first: "
                 f"--config {base} --config {first}")


def _ckpt_alias(arg: str) -> str:
    """Accept ``--ckpt`` for LightningCLI's ``--ckpt_path``."""
    name, sep, value = arg.partition("=")
    return "--ckpt_path" + sep + value if name == "--ckpt" else arg


def import_components() -> None:
    """Import the packages whose modules define tasks, DataModules and registered classes."""
    import unimo.backbones  # noqa: F401
    import unimo.data.datamodules  # noqa: F401
    import unimo.layouts  # noqa: F401
    import unimo.tasks  # noqa: F401
    import unimo.tokenizers  # noqa: F401


def run_function(name: str, fn: Callable[..., object], args: list[str]) -> object:
    """Parse ``args`` against ``fn``'s signature (jsonargparse) and call it."""
    from jsonargparse import ArgumentParser

    parser = ArgumentParser(prog=f"unimo {name}", description=_summary(fn))
    parser.add_function_arguments(fn, as_positional=True)
    args = _bare_bool_flags(fn, [_underscored(arg) for arg in args])
    config = parser.parse_args(_positionals_by_name(fn, args))
    instantiate = getattr(parser, "instantiate", None) or parser.instantiate_classes  # renamed in 4.49
    return fn(**instantiate(config).as_dict())


def _positionals_by_name(fn: Callable[..., object], args: list[str]) -> list[str]:
    """Accept ``--ckpt C`` for a positional ``ckpt`` (``unimo generate --ckpt C --image I``), as the flag
    form is what people write from other tools; flagged positionals go first, in the signature's order."""
    names = [p.name for p in inspect.signature(fn).parameters.values()
             if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is p.empty]
    given: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        flag, sep, value = args[i].partition("=")
        if flag.startswith("--") and flag[2:] in names and (sep or i + 1 < len(args)):
            given[flag[2:]] = value if sep else args[i + 1]
            i += 1 if sep else 2
            continue
        rest.append(args[i])
        i += 1
    if not given:
        return rest
    # The other positionals come bare, in order: fill the slots the flags left, so none shifts into another.
    bare = [j for j, arg in enumerate(rest) if not arg.startswith("-")
            and not (j and rest[j - 1].startswith("--") and "=" not in rest[j - 1])]
    slots = [n for n in names if n not in given]
    missing = slots[len(bare):]
    if missing and not {"-h", "--help"} & set(rest):
        raise ValueError(f"missing required argument(s): {', '.join('--' + n for n in missing)}")
    filled = dict(zip(slots, (rest[j] for j in bare), strict=False))
    used = set(bare[:len(slots)])
    return [given.get(n, filled.get(n, "")) for n in names] + [a for j, a in enumerate(rest) if j not in used]


def _bare_bool_flags(fn: Callable[..., object], args: list[str]) -> list[str]:
    """Accept ``--quick`` alone for ``--quick true`` (a bool option followed by another flag or nothing)."""
    try:
        hints = typing.get_type_hints(fn)
    except (NameError, TypeError):  # annotations only a type checker can resolve: leave the args alone
        return args
    flags = {f"--{name}" for name, hint in hints.items() if hint is bool}
    return [f"{arg}=true" if arg in flags and (i + 1 == len(args) or args[i + 1].startswith("-")) else arg
            for i, arg in enumerate(args)]


def _underscored(arg: str) -> str:
    """Accept ``--num-clips`` for ``--num_clips``: Python names use underscores, shells prefer dashes."""
    if not arg.startswith("--"):
        return arg
    name, sep, value = arg.partition("=")
    return "--" + name[2:].replace("-", "_") + sep + value


def _match_subcommand(args: list[str]) -> tuple[str, list[str]]:
    two = " ".join(args[:2])
    if two in SUBCOMMANDS:
        return two, args[2:]
    if args[0] in SUBCOMMANDS:
        return args[0], args[1:]
    group = [name for name in SUBCOMMANDS if name.split()[0] == args[0]]
    if group:
        width = max(map(len, group))
        rows = [f"  {name.ljust(width)}  {_summary(SUBCOMMANDS[name])}" for name in sorted(group)]
        text = "\n".join([f"usage: unimo {args[0]} <subcommand> [options]", "", "subcommands:", *rows])
        if args[1:2] in (["-h"], ["--help"], ["help"]):
            print(text)
            sys.exit(0)
        sys.exit(f"unimo {args[0]}: expected a subcommand\n{text}")
    if args[0] in INSTEAD:
        sys.exit(f"unimo {args[0]}: not offered; {INSTEAD[args[0]]}")
    known = sorted([*LIGHTNING_SUBCOMMANDS, *SUBCOMMANDS])
    sys.exit(f"unimo: unknown subcommand {args[0]!r}; known: {', '.join(known)}")


def _summary(fn: Callable[..., object]) -> str:
    doc = inspect.getdoc(fn) or ""
    return doc.splitlines()[0] if doc else ""


if __name__ == "__main__":
    main()
