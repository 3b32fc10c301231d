"""The work behind each ``iaas`` subcommand."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from iaas import api
from iaas.api import IaasError, ValidationError
from iaas.cli import console, hosts, snapshots
from iaas.cli.ui import UI

if TYPE_CHECKING:
    from iaas.api import ApplyResult, Cloud, Engine, Plan, Stack

__all__ = ["UI", "run"]


def _stack_file(args: argparse.Namespace, required: bool = True) -> Path | None:
    if args.file:
        return Path(args.file)
    for name in ("stack.yaml", "stack.yml", "stack.json", "iaas.yaml"):
        if Path(name).exists():
            return Path(name)
    if required:
        raise ValidationError("no stack file: pass -f FILE or create stack.yaml in the current directory")
    return None


def _load(args: argparse.Namespace, required: bool = True) -> Stack:
    path = _stack_file(args, required)
    if path is None:
        return api.Stack(args.stack or "default")
    return api.Stack.load(str(path), args.stack)


def _engine(args: argparse.Namespace, stack_name: str, ui: UI, cloud: Cloud | None = None) -> Engine:
    return api.Engine.open(
        stack_name,
        home=args.home,
        cloud=cloud or args.cloud,
        state=args.state,
        close_cloud=True,
        parallelism=getattr(args, "parallelism", 10),
        lock_timeout=args.lock_timeout,
        on_event=ui.event,
    )


def _loaded_with_cloud(args: argparse.Namespace, required: bool) -> tuple[Stack, Cloud]:
    """The stack file, and the cloud connecting meanwhile to the hosts that hold objects (the command reads them)."""
    cloud = api.Cloud.beside_state(args.cloud, args.home, args.state)  # before the engine is loaded: it takes a while
    try:
        cloud.hosts.connect_ahead(cloud.inventory.hosts_in_use())
        return _load(args, required), cloud
    except BaseException:
        cloud.close()
        raise


def _confirm(ui: UI, question: str, what: str) -> None:
    """Ask ``question``; anything but 'yes' (end of input included) cancels ``what`` with an error."""
    if not sys.stdin.isatty():
        raise IaasError("not asking for confirmation without a terminal: pass --auto-approve")
    ui.print(question)
    try:
        answer = input("  Only 'yes' will be accepted: ")
    except EOFError:
        ui.print()
        answer = ""
    if answer.strip() != "yes":
        raise IaasError(f"{what} cancelled; nothing was changed")


def _report(ui: UI, result: ApplyResult, destroy: bool) -> None:
    counts = result.counts
    if destroy:
        ui.print(f"Destroy complete! Resources: {counts.get('delete', 0)} destroyed ({result.seconds:.1f}s).")
    else:
        ui.print(
            f"Apply complete! Resources: {counts.get('create', 0) + counts.get('replace', 0)} added, "
            f"{counts.get('update', 0)} changed, "
            + (f"{counts['migrate']} migrated, " if counts.get("migrate") else "")
            + f"{counts.get('delete', 0) + counts.get('replace', 0)} "
            f"destroyed ({result.seconds:.1f}s)."
        )
    if result.outputs and not destroy:
        ui.print("")
        ui.print("Outputs:")
        for name, value in sorted(result.outputs.items()):
            ui.print(f"  {name} = {json.dumps(value, default=str)}")


def _simulated_note(ui: UI, engine: Engine) -> None:
    if engine.cloud.simulated:
        ui.note(
            "Note: the cloud is simulated (libvirt's test driver, persisted under "
            f"{engine.cloud.home}); no real machines are touched.",
            "dim",
        )


def _apply(args: argparse.Namespace, ui: UI, destroy: bool) -> int:
    if getattr(args, "planfile", None):
        _saved_plan_only(args)
        plan = api.load_plan(args.planfile)
        with _engine(args, plan.stack, ui) as engine:
            _simulated_note(ui, engine)
            return _run_apply(ui, engine, plan, plan.destroy)
    if destroy or getattr(args, "refresh", True):
        stack, cloud = _loaded_with_cloud(args, required=not destroy)
    else:
        stack, cloud = _load(args, required=True), None
    with _engine(args, stack.name, ui, cloud) as engine:
        _simulated_note(ui, engine)
        plan = engine.plan(
            stack,
            destroy=destroy,
            targets=args.target,
            replace=getattr(args, "replace", []),
            refresh=getattr(args, "refresh", True) and not destroy,
        )
        _show_plan(ui, plan, args)
        _targeting_warning(ui, args.target)
        if plan.empty:
            return 0
        if not args.auto_approve:
            what = "destroy all these resources" if destroy else "perform these actions"
            _confirm(ui, f"\nDo you really want to {what}?", "destroy" if destroy else "apply")
        return _run_apply(ui, engine, plan, destroy)


def _show_plan(ui: UI, plan: Plan, args: argparse.Namespace) -> None:
    """The plan in full, or one line per resource when asked or when it is too long to read whole."""
    from iaas.cli import COMPACT_ABOVE

    compact = getattr(args, "compact", None)
    changes = len(plan.pending())
    if compact is None:
        compact = changes > COMPACT_ABOVE
    ui.plan(api.render_plan(plan, compact=compact))
    if compact and changes and getattr(args, "compact", None) is None:
        ui.note(f"The plan has {changes} changes, shown one line each: pass --no-compact to see every field.")


def _saved_plan_only(args: argparse.Namespace) -> None:
    """Refuse planning options beside a saved plan: the plan file alone says what to do."""
    given = [
        flag
        for flag, on in (("--target", args.target), ("--replace", args.replace), ("--no-refresh", not args.refresh))
        if on
    ]
    if given:
        raise IaasError(
            f"{', '.join(given)} cannot be used with a saved plan: it applies exactly what it "
            "holds; make a new plan with these options instead"
        )


def _targeting_warning(ui: UI, targets: list[str]) -> None:
    if targets:
        ui.note(
            "Warning: --target is in effect: changes the stack asks for outside the targets are "
            "left out. Run a plan without --target afterwards to see them.",
            "yellow",
        )


def _run_apply(ui: UI, engine: Engine, plan: Plan, destroy: bool) -> int:
    ui.total = sum(1 for c in plan.pending())
    try:
        result = engine.apply(plan)
    except api.ApplyError as exc:
        ui.error(str(exc))
        partial: ApplyResult | None = getattr(exc, "result", None)
        if partial is not None:
            ui.print(f"{len(partial.done)} step(s) finished and were saved; fix the problem and apply again.")
        return 1
    _report(ui, result, destroy)
    return 0


def _plan(args: argparse.Namespace, ui: UI) -> int:
    if args.destroy or args.refresh:
        stack, cloud = _loaded_with_cloud(args, required=not args.destroy)
    else:
        stack, cloud = _load(args, required=True), None
    with _engine(args, stack.name, ui, cloud) as engine:
        _simulated_note(ui, engine)
        plan = engine.plan(stack, destroy=args.destroy, targets=args.target, replace=args.replace, refresh=args.refresh)
    _show_plan(ui, plan, args)
    _targeting_warning(ui, args.target)
    if args.out:
        try:
            api.save_plan(plan, args.out)
        except OSError as exc:
            raise IaasError(f"cannot save the plan to {args.out}: {exc.strerror or exc}") from exc
        ui.print(f"\nSaved the plan to {args.out}. Apply exactly these actions with: iaas apply {args.out}")
    if args.detailed_exitcode and not plan.empty:
        return 2
    return 0


def _not_in_state(engine: Engine, address: str) -> IaasError:
    return IaasError(f"{address} is not in the state of stack {engine.stack_name!r}")


def _state_list(args: argparse.Namespace, ui: UI, engine: Engine) -> None:
    resources = sorted(engine.resources().items())
    if args.json:
        ui.print(json.dumps({a: {"kind": r.kind, "id": r.id, "status": r.status} for a, r in resources}, indent=2))
        return
    for address, rec in resources:
        ui.print(address + ("" if rec.status == "ready" else f"  ({rec.status})"))


def _state_show(args: argparse.Namespace, ui: UI, engine: Engine) -> None:
    rec = engine.resources().get(args.address)
    if rec is None:
        raise _not_in_state(engine, args.address)
    ui.print(
        json.dumps(
            {
                "address": rec.address,
                "kind": rec.kind,
                "id": rec.id,
                "status": rec.status,
                "inputs": _mask(rec.kind, rec.inputs),
                "outputs": rec.outputs,
                "dependencies": rec.dependencies,
            },
            indent=2,
            default=str,
        )
    )


def _state_rm(args: argparse.Namespace, ui: UI, engine: Engine) -> None:
    if not engine.forget(args.address):
        raise _not_in_state(engine, args.address)
    ui.print(f"Removed {args.address} from the state; the cloud object was left as it is.")


def _state_history(args: argparse.Namespace, ui: UI, engine: Engine) -> None:
    for h in engine.history():
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(h.started_at))
        ui.print(
            f"{h.id:>4}  {when} UTC  {h.operation:<8} {h.status:<11} {h.owner}  {json.dumps(h.summary.get('plan', {}))}"
        )


def _state_pull(args: argparse.Namespace, ui: UI, engine: Engine) -> None:
    ui.print(json.dumps(api.export_json(engine.store.read()), indent=2, default=str))


def _state_unlock(args: argparse.Namespace, ui: UI, engine: Engine) -> None:
    _unlock(engine, ui)


def _state_recover(args: argparse.Namespace, ui: UI, engine: Engine) -> None:
    stack = _load(args, required=False)
    adopted = engine.recover(stack if stack.resources else None)
    for rec in adopted:
        ui.print(f"Recovered {rec.address} (id {rec.id}).")
    ui.print(
        f"{len(adopted)} object(s) adopted into the state. Run 'iaas plan' to compare them with the stack."
        if adopted
        else "The state already records every object the cloud holds for this stack."
    )


_STATE_COMMANDS: dict[str, Callable[[argparse.Namespace, UI, Engine], None]] = {
    "list": _state_list,
    "show": _state_show,
    "rm": _state_rm,
    "history": _state_history,
    "pull": _state_pull,
    "unlock": _state_unlock,
    "recover": _state_recover,
}


def _state_migrate(args: argparse.Namespace, ui: UI) -> int:
    if not args.to:
        raise IaasError("state migrate: give the database to copy into with --to URL (or set IAAS_DATABASE_URL)")
    source = args.state or str(Path(args.home) / "state.db")
    moved = api.migrate_state(source, args.to, [args.stack] if args.stack else [], lock_timeout=args.lock_timeout)
    if not moved:
        ui.print(f"{source} holds no stack; nothing to move.")
        return 0
    for item in moved:
        done = "already there" if item.unchanged else "copied"
        ui.print(f"{item.stack}: {item.resources} resource(s) {done}")
    inventory = api.migrate_inventory(Path(args.home) / "cloud.db", args.to)
    if inventory is not None:
        ui.print(
            f"cloud inventory: {inventory.objects} object(s), "
            f"{inventory.objects - inventory.added} of them already there"
        )
    ui.print(
        f"Moved {len(moved)} stack(s) to {moved[0].location}. Use it with --state or IAAS_DATABASE_URL; "
        f"{source} is unchanged."
    )
    return 0


def _state(args: argparse.Namespace, ui: UI) -> int:
    if args.state_command == "migrate":
        return _state_migrate(args, ui)
    stack = _load(args, required=False)
    with _engine(args, stack.name, ui) as engine:
        _STATE_COMMANDS[args.state_command](args, ui, engine)
    return 0


def _unlock(engine: Engine, ui: UI) -> None:
    held = engine.store.force_unlock()
    ui.print(f"Removed the lock of {held.owner}." if held else "The stack was not locked.")


def _secret(kind: str, name: str) -> bool:
    field = api.object_schema(api.KINDS[kind]).field(name) if kind in api.KINDS else None
    return bool(field and field.spec.secret)


def _mask(kind: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: "(sensitive value)" if v is not None and _secret(kind, k) else v for k, v in inputs.items()}


def _refresh(args: argparse.Namespace, ui: UI) -> int:
    stack, cloud = _loaded_with_cloud(args, required=False)
    with _engine(args, stack.name, ui, cloud) as engine:
        drift = engine.refresh()
    for d in drift:
        if d["field"] is None:
            ui.print(f"{d['address']} is gone")
            continue
        secret = _secret(d["address"].split(".", 1)[0], d["field"])
        old, new = (
            ("(sensitive value)", "(sensitive value)")
            if secret
            else (json.dumps(d["recorded"], default=str), json.dumps(d["actual"], default=str))
        )
        ui.print(f"{d['address']}.{d['field']}: {old} -> {new}")
    ui.print(f"Refresh complete: {len(drift)} difference(s) recorded.")
    return 0


def _output(args: argparse.Namespace, ui: UI) -> int:
    stack = _load(args, required=False)
    with _engine(args, stack.name, ui) as engine:
        outputs = engine.outputs()
    if args.name:
        if args.name not in outputs:
            raise IaasError(f"no output named {args.name!r}")
        value = outputs[args.name]
        ui.print(json.dumps(value) if args.json or not isinstance(value, str) else value)
    elif args.json:
        ui.print(json.dumps(outputs, indent=2, default=str))
    elif not outputs:
        ui.note("No outputs found: the stack declares none, or it has not been applied yet.", "yellow")
    else:
        for name, value in sorted(outputs.items()):
            ui.print(f"{name} = {json.dumps(value, default=str)}")
    return 0


def _validate(args: argparse.Namespace, ui: UI) -> int:
    stack = _load(args)
    api.validate_stack(stack)
    ui.print(f"The stack {stack.name!r} is valid: {len(stack)} resource(s).")
    return 0


def _import(args: argparse.Namespace, ui: UI) -> int:
    stack = _load(args, required=False)
    with _engine(args, stack.name, ui) as engine:
        rec = engine.import_resource(args.address, args.id, stack, take_over=args.take_over)
    ui.print(f"Imported {rec.address} (id {rec.id}). Run 'iaas plan' to compare it with the stack.")
    return 0


def _graph(args: argparse.Namespace, ui: UI) -> int:
    graph = api.validate_stack(_load(args))
    ui.print(api.to_dot(graph) if args.format == "dot" else api.to_mermaid(graph))
    return 0


def _force_unlock(args: argparse.Namespace, ui: UI) -> int:
    with _engine(args, _load(args, required=False).name, ui) as engine:
        _unlock(engine, ui)
    return 0


def _taint(args: argparse.Namespace, ui: UI) -> int:
    taint = args.command == "taint"
    stack = _load(args, required=False)
    with _engine(args, stack.name, ui) as engine:
        engine.taint(args.address, taint)
    ui.print(f"{args.address} " + ("will be replaced on the next apply." if taint else "is no longer tainted."))
    return 0


def _console(args: argparse.Namespace, ui: UI) -> int:
    with _engine(args, _load(args, required=False).name, ui) as engine:
        return console.show(engine, args.instance, follow=args.follow)


def _snapshot(args: argparse.Namespace, ui: UI) -> int:
    with _engine(args, _load(args, required=False).name, ui) as engine:
        return snapshots.show(engine, args.instance, as_json=args.json, write=ui.print)


def _host(args: argparse.Namespace, ui: UI) -> int:
    options = {"parallelism": getattr(args, "parallelism", 10), "lock_timeout": args.lock_timeout}
    with api.Drain.open(home=args.home, cloud=args.cloud, state=args.state, on_event=ui.event, **options) as drain:
        if args.host_command == "list":
            return hosts.show_list(drain.cloud, as_json=args.json, write=ui.print)
        if args.host_command == "undrain":
            api.mark_undrained(drain.cloud, args.host)
            ui.print(hosts.undrained_note(args.host))
            return 0
        plan = drain.plan(args.host)
        hosts.show_plan(ui, plan)
        if args.dry_run:
            ui.note("Dry run: nothing was changed, and the host still takes new placements.")
            return 0
        if not args.auto_approve:
            _confirm(ui, f"\nDo you really want to drain host {args.host}?", "drain")
        for result in drain.apply(plan).values():
            _report(ui, result, destroy=False)
        ui.print(f"Host {args.host} is drained: nothing new is placed on it ('iaas host undrain {args.host}' ends it).")
    return 0


_COMMANDS: dict[str, Callable[[argparse.Namespace, UI], int]] = {
    "validate": _validate,
    "plan": _plan,
    "apply": lambda args, ui: _apply(args, ui, destroy=False),
    "destroy": lambda args, ui: _apply(args, ui, destroy=True),
    "refresh": _refresh,
    "import": _import,
    "output": _output,
    "graph": _graph,
    "state": _state,
    "force-unlock": _force_unlock,
    "taint": _taint,
    "untaint": _taint,
    "console": _console,
    "snapshot": _snapshot,
    "host": _host,
}


def run(args: argparse.Namespace, ui: UI) -> int:
    """Run one parsed command line; returns the exit code."""
    command = _COMMANDS.get(args.command)
    if command is None:
        raise IaasError(f"unknown command {args.command}")
    return command(args, ui)
