import socket

import pytest
from pytest_socket import SocketConnectBlockedError


def test_the_suite_cannot_reach_the_internet() -> None:
    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("93.184.215.14", 80), timeout=1)
