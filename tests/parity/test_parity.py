"""Every face gives the same answer: each row of the parity table through Python, the CLI, Terraform, Pulumi and
Ansible — the same refusal (the resource and the field named, nothing touched) or the same planned action."""

from __future__ import annotations

import pytest
from pytest_lazy_fixtures import lf

from tests.parity.cases import CASES, Case
from tests.parity.faces import Face

FACES = [lf("python_face"), lf("cli_face"), lf("terraform_face"), lf("pulumi_face"), lf("ansible_face")]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
@pytest.mark.parametrize("face", FACES)
def test_every_face_gives_the_same_answer(face: Face, case: Case) -> None:
    if face.name in case.cannot:
        pytest.skip(f"{face.name} cannot express {case.id}: {case.cannot[face.name]}")
    outcome = face.outcome(case)
    if case.error is None:
        expected = case.action
        if face.update_class is not None and expected in ("live", "restart"):
            expected = "update"  # the face cannot tell them apart (face.update_class says why)
        assert outcome.error is None and outcome.action == expected, outcome
        return
    addr, field, fragment = case.error
    field, fragment = case.words.get(face.name, (field, fragment))
    assert outcome.error is not None, f"{face.name} accepted {case.id}"
    assert face.designate(case, addr) in outcome.error, outcome.error
    assert field in outcome.error or face.field_name(addr.split(".")[0], field) in outcome.error, outcome.error
    assert fragment in outcome.error, outcome.error
    assert outcome.touched == [], f"{face.name} touched {outcome.touched} for {case.id}"
