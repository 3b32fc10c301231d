"""Validation of a whole stack before anything is touched.

Per resource: the model's :func:`iaas.model.values.validate`.  Across
resources: references and ``depends_on`` name declared resources of the right
kind and existing attributes, networks do not overlap, fixed IPs sit inside
their network and are unique, and the dependency graph has no cycle.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import attrs

from iaas.engine.resolve import ordering_references, references
from iaas.errors import CycleError, FieldError, ValidationError
from iaas.graph import Graph, find_cycles
from iaas.model import KINDS, Reference, object_schema
from iaas.model.checks import stack_name
from iaas.model.subnets import subnet_of
from iaas.model.values import validate
from iaas.stack import Declared, Stack


def _attribute_error(ref: Reference) -> str | None:
    """Unless the referenced kind has the attribute, a message listing those it has."""
    schema = object_schema(KINDS[ref.kind])
    if schema.field(ref.attribute) is not None:
        return None
    return f"{ref} names no attribute of a {ref.kind} (attributes: {', '.join(f.name for f in schema.fields)})"


def _ref_errors(decl: Declared, stack: Stack) -> list[FieldError]:
    errors = []
    for ref in references(decl.inputs):
        target = stack.resources.get(ref.address)
        if target is None:
            errors.append(
                FieldError(
                    decl.address,
                    "",
                    f"refers to {ref.address}, which is not declared in stack {stack.name!r}",
                    decl.source,
                )
            )
        elif msg := _attribute_error(ref):
            errors.append(FieldError(decl.address, "", msg, decl.source))
    for i, dep in enumerate(decl.depends_on):
        if dep not in stack.resources:
            where = f"depends_on[{i}]"
            errors.append(
                FieldError(decl.address, where, f"{dep} is not declared in stack {stack.name!r}", decl.source_of(where))
            )
    return errors


def _networks(stack: Stack) -> list[FieldError]:
    errors = []
    nets: list[tuple[ipaddress.IPv4Network, Declared]] = []
    for decl in stack:
        if decl.kind == "network" and (net := subnet_of(decl.inputs)) is not None:
            nets.append((net, decl))
    nets.sort(key=lambda item: (int(item[0].network_address), -item[0].prefixlen))
    widest: tuple[ipaddress.IPv4Network, Declared] | None = None
    for net, decl in nets:  # sorted by start: overlap iff a start falls inside the widest range seen so far
        if widest is not None and int(net.network_address) <= int(widest[0].broadcast_address):
            if decl.inputs.get("host") == widest[1].inputs.get("host"):
                errors.append(
                    FieldError(
                        decl.address,
                        "cidr",
                        f"{net} overlaps {widest[0]} of {widest[1].address}",
                        decl.source_of("cidr"),
                    )
                )
        if widest is None or int(net.broadcast_address) > int(widest[0].broadcast_address):
            widest = (net, decl)
    return errors


def _reserved(ip: ipaddress.IPv4Address, net: ipaddress.IPv4Network, address: str) -> str | None:
    """Why a fixed IP cannot be given out on a network: outside it, or one of its reserved addresses."""
    if ip not in net:
        return f"{ip} is outside {address} ({net})"
    reserved = {net.network_address: "network", net.broadcast_address: "broadcast", net.network_address + 1: "gateway"}
    if ip in reserved:
        return f"{ip} is the {reserved[ip]} address of {address} ({net})"
    return None


def _fixed_ips(stack: Stack) -> list[FieldError]:
    errors = []
    taken: dict[tuple[str, str], str] = {}
    for decl in stack:
        if decl.kind != "instance":
            continue
        nics = decl.inputs.get("nics")
        for i, nic in enumerate(nics if isinstance(nics, list) else []):  # not a list: the field check says so
            if not isinstance(nic, dict) or not isinstance(nic.get("fixed_ip"), str):
                continue
            ip_text, network = nic["fixed_ip"], nic.get("network")
            if not isinstance(network, Reference) or network.address not in stack.resources:
                continue
            net = subnet_of(stack.resources[network.address].inputs)
            try:
                ip = ipaddress.IPv4Address(ip_text)
            except ValueError:
                continue  # the field check reports it
            where = f"nics[{i}].fixed_ip"
            if net is not None and (msg := _reserved(ip, net, network.address)):
                errors.append(FieldError(decl.address, where, msg, decl.source_of(where)))
            key = (network.address, ip_text)
            if key in taken:
                errors.append(
                    FieldError(
                        decl.address, where, f"{ip} is already the fixed IP of {taken[key]}", decl.source_of(where)
                    )
                )
            taken[key] = decl.address
    return errors


def dependency_graph(stack: Stack) -> Graph[str]:
    """The graph of desired resources: an edge for every reference (but soft ones) and every depends_on."""
    g: Graph[str] = Graph()
    for decl in stack:
        g.add_node(decl.address)
    for decl in stack:
        for ref in ordering_references(object_schema(decl.cls), decl.inputs):
            if ref.address in stack.resources and ref.address != decl.address:
                g.add_edge(decl.address, ref.address)
            elif ref.address == decl.address:
                g.add_edge(decl.address, decl.address)
        for dep in decl.depends_on:
            if dep in stack.resources:
                g.add_edge(decl.address, dep)
    return g


def validate_stack(stack: Stack) -> Graph[str]:
    """Validate every resource and the stack as a whole; return its dependency graph.

    Raises :class:`ValidationError` listing every problem, or
    :class:`CycleError` naming every node of each cycle.
    """
    errors: list[FieldError] = list(stack.problems)
    if msg := stack_name(stack.name):
        errors.append(FieldError("", "stack", msg))
    for decl in stack:
        errors += _at_fields(decl, validate(decl.cls, decl.inputs, decl.address, decl.source))
        errors += _ref_errors(decl, stack)
    errors += _networks(stack)
    errors += _fixed_ips(stack)
    for name, value in stack.outputs.items():
        for ref in references(value):
            if ref.address not in stack.resources:
                errors.append(FieldError(f"output.{name}", "", f"refers to {ref.address}, which is not declared"))
            elif msg := _attribute_error(ref):
                errors.append(FieldError(f"output.{name}", "", msg))
    if errors:
        raise ValidationError(errors)
    graph = dependency_graph(stack)
    cycles = find_cycles(graph)
    if cycles:
        raise CycleError(cycles)
    return graph


def check_values(decl: Declared, values: dict[str, Any]) -> list[FieldError]:
    """Validate resolved inputs again: a reference may have brought a value of the wrong type."""
    return _at_fields(decl, validate(decl.cls, values, decl.address, decl.source))


def _at_fields(decl: Declared, errors: list[FieldError]) -> list[FieldError]:
    """Each error placed at its field's own line when the stack file says where that is."""
    if not decl.field_sources:
        return errors
    return [attrs.evolve(e, source=decl.source_of(e.field)) for e in errors]
