"""free_port's slices: processes given different slices never pick the same port."""

from __future__ import annotations

import socket
from contextlib import closing

import pytest

from commons.errors import OperationError
from commons.servers import PORT_SLICE_VARIABLE, free_port


@pytest.mark.parametrize(("index", "count"), [(0, 2), (1, 2), (0, 3), (2, 3)])
def test_every_port_picked_is_in_the_slice_and_free(monkeypatch, index, count):
    monkeypatch.setenv(PORT_SLICE_VARIABLE, f"{index}/{count}")
    picked = [free_port() for _ in range(30)]
    assert {port // 2 % count for port in picked} == {index}
    # Free: a server can listen there now.
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", picked[-1]))


def test_without_a_slice_any_port_may_be_picked(monkeypatch):
    monkeypatch.delenv(PORT_SLICE_VARIABLE, raising=False)
    assert len({free_port() // 2 % 2 for _ in range(64)}) == 2


@pytest.mark.parametrize("value", ["2/2", "x/2", "1", "-1/2", "1/0"])
def test_a_wrong_slice_is_refused_naming_the_variable_and_the_fix(monkeypatch, value):
    monkeypatch.setenv(PORT_SLICE_VARIABLE, value)
    with pytest.raises(OperationError) as refused:
        free_port()
    assert PORT_SLICE_VARIABLE in str(refused.value) and "Fix:" in str(refused.value)
