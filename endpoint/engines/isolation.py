"""The network wall of a query worker (Linux namespaces), entered before any query runs.

pyoxigraph evaluates SERVICE with its own HTTP client (plain TCP after ``getaddrinfo``; no proxy, no hook
in its Python API), so a query can only be kept off the network by the network it runs in. A worker
moves into a new, empty network namespace: no interface but loopback, no route anywhere, the host's
loopback included. Pipes and files inherited from the parent keep working.

With a SERVICE allow-list the wall has gates, one per allow-listed (host, port): the worker also gets a
mount namespace of its own where ``/etc/hosts`` maps each allow-listed host name to a loopback address
of its namespace (IPv4 literals are added to its loopback as they are), and a relay listens there. Each
connection pyoxigraph opens to a gate is carried over a Unix socket named by a path (a path reaches
across network namespaces, an abstract name does not) to the forwarder in the endpoint process
(forwarder.py), which checks it against the allow-list before it connects anywhere. The relay sends
one line first, ``<host> <port>\\n``: the gate the connection came through.
"""

import ctypes
import ctypes.util
import fcntl
import ipaddress
import logging
import os
import selectors
import socket
import struct
import threading
from dataclasses import dataclass

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCSIFADDR, SIOCSIFNETMASK = 0x8913, 0x8914, 0x8916, 0x891C
IFF_UP = 0x1
IFREQ_FLAGS = "=16sh22x"  # struct ifreq (40 bytes): the interface name, then its flags
IFREQ_ADDRESS = "=16sH2s4s16x"  # struct ifreq: the interface name, then a sockaddr_in (family, port, address)

# what a worker reports of its network
HOST_NETWORK = 0  # the host's: no namespace could be made, SERVICE is guarded by the query check alone
WALLED = 1  # cut off, the gates (if any) open
GATES_CLOSED = 2  # cut off, but the gates could not be opened: allow-listed SERVICE fails too

RELAY_CONNECTIONS = 16  # connections a worker's relays carry at once; more are closed at once
REQUEST_BYTES = 16 << 20  # bytes a SERVICE connection may send to its endpoint
ANSWER_BYTES = 256 << 20  # bytes an endpoint may send back on one connection
IDLE_SECONDS = 120.0  # a relayed connection on which neither side sends anything this long is closed
CHUNK = 1 << 16

log = logging.getLogger("tehkg.workers")


@dataclass(frozen=True)
class Gate:
    """An allow-listed endpoint as a walled worker reaches it: pyoxigraph connects to ``address``:``port``
    (``/etc/hosts`` maps ``host`` there unless it is an address itself) and the relay listening there
    carries the connection to the forwarder."""

    host: str
    port: int
    address: str


@dataclass(frozen=True)
class Wall:
    """What a worker builds around itself: an empty network namespace, and gates to the forwarder when
    SERVICE is allowed somewhere."""

    gates: tuple[Gate, ...] = ()
    hosts: str = ""  # a hosts file naming the gates' hosts, mounted over /etc/hosts
    forwarder: str = ""  # the path of the forwarder's Unix socket


NO_ROUTE = Wall()  # no allow-list: no gate at all


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_void_p]
    return libc


def _unshare(libc: ctypes.CDLL, flags: int) -> bool:
    """Enter new namespaces; as root ``flags`` alone are enough, other users need a user namespace to hold
    them, which the kernel grants only to a single-threaded process."""
    for attempt in (flags, CLONE_NEWUSER | flags):
        if libc.unshare(attempt) == 0:
            return True
        reason = os.strerror(ctypes.get_errno())
    log.debug("unshare(%#x) refused: %s", flags, reason)
    return False


def _mount(libc: ctypes.CDLL, source: str | None, target: str, flags: int) -> None:
    if libc.mount(source.encode() if source else None, target.encode(), None, flags, None) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {source} on {target}: {os.strerror(errno)}")


def _open_loopback(gates: tuple[Gate, ...]) -> None:
    """Bring the namespace's loopback up (127.0.0.0/8 routes there then) and add to it the gates' addresses
    outside 127.0.0.0/8, each as an alias ``lo:N`` (the ioctls ``ip addr`` would make, without ``ip``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as control:
        request = fcntl.ioctl(control, SIOCGIFFLAGS, struct.pack(IFREQ_FLAGS, b"lo", 0))
        flags = struct.unpack(IFREQ_FLAGS, request)[1]
        fcntl.ioctl(control, SIOCSIFFLAGS, struct.pack(IFREQ_FLAGS, b"lo", flags | IFF_UP))
        outside = sorted({g.address for g in gates if not ipaddress.IPv4Address(g.address).is_loopback})
        for number, address in enumerate(outside, start=1):
            label = f"lo:{number}".encode()
            for ioctl, value in ((SIOCSIFADDR, address), (SIOCSIFNETMASK, "255.255.255.255")):
                packed = struct.pack(IFREQ_ADDRESS, label, socket.AF_INET, b"", socket.inet_aton(value))
                fcntl.ioctl(control, ioctl, packed)


def isolate_network(wall: Wall = NO_ROUTE) -> "tuple[int, Relays | None]":
    """Move this process behind ``wall``: HOST_NETWORK (the reason logged) when the kernel refuses the
    namespaces, nothing changed then; otherwise WALLED with the relays of its gates, still to be started
    (None without gates), or GATES_CLOSED when a gate could not be opened: cut off all the same.

    The mount namespace is made private first, so that the hosts file mounted over ``/etc/hosts`` stays
    in this process and its children.
    """
    try:
        libc = _libc()
    except (OSError, AttributeError) as err:
        log.debug("no unshare(2) or mount(2): %s", err)
        return HOST_NETWORK, None
    if not _unshare(libc, CLONE_NEWNET | (CLONE_NEWNS if wall.gates else 0)):
        return HOST_NETWORK, None
    if not wall.gates:
        return WALLED, None
    try:
        _open_loopback(wall.gates)
        _mount(libc, None, "/", MS_REC | MS_PRIVATE)
        _mount(libc, wall.hosts, "/etc/hosts", MS_BIND)
        return WALLED, Relays(wall)
    except OSError as err:
        log.debug("the gates could not be opened: %s", err)
        return GATES_CLOSED, None


class Relays:
    """Inside a walled worker: a listener on each gate, each connection it accepts carried to the forwarder.

    The listeners are bound at once, so that a query run before ``start`` finds them (its connections wait
    in their backlog); ``start`` runs the thread that accepts.
    """

    def __init__(self, wall: Wall) -> None:
        self.forwarder = wall.forwarder
        self.selector = selectors.DefaultSelector()
        for gate in wall.gates:
            listener = socket.create_server((gate.address, gate.port), backlog=RELAY_CONNECTIONS)
            self.selector.register(listener, selectors.EVENT_READ, (listener, gate))
        self.slots = threading.BoundedSemaphore(RELAY_CONNECTIONS)

    def start(self) -> None:
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            for key, _ in self.selector.select():
                listener, gate = key.data
                conn, _ = listener.accept()
                if self.slots.acquire(blocking=False):
                    threading.Thread(target=self._relay, args=(conn, gate), daemon=True).start()
                else:
                    conn.close()

    def _relay(self, conn: socket.socket, gate: Gate) -> None:
        """Carry ``conn`` to the forwarder under a line naming its gate; whatever fails closes it (pyoxigraph
        then reports the SERVICE call as failed)."""
        try:
            with conn, socket.socket(socket.AF_UNIX) as out:
                out.settimeout(IDLE_SECONDS)
                out.connect(self.forwarder)
                out.sendall(f"{gate.host} {gate.port}\n".encode())
                pipe(conn, out, REQUEST_BYTES, ANSWER_BYTES)
        except OSError:
            pass
        finally:
            self.slots.release()


def pipe(one: socket.socket, other: socket.socket, one_sends: int, other_sends: int) -> None:
    """Copy bytes both ways until both sides have finished sending (a side's end is passed on as a
    half-close); stop early when a side sends more than its bound (``one_sends``, ``other_sends`` bytes)
    or neither sends anything for IDLE_SECONDS. The caller closes both sockets."""
    left = {one: one_sends, other: other_sends}
    peer = {one: other, other: one}
    with selectors.DefaultSelector() as selector:
        for sock in (one, other):
            sock.settimeout(IDLE_SECONDS)  # a peer that stops reading cannot hold a send longer than this
            selector.register(sock, selectors.EVENT_READ, sock)
        while selector.get_map():
            ready = selector.select(IDLE_SECONDS)
            if not ready:
                return
            for key, _ in ready:
                sock = key.data
                chunk = sock.recv(CHUNK)
                left[sock] -= len(chunk)
                if left[sock] < 0:
                    return
                if chunk:
                    peer[sock].sendall(chunk)
                else:
                    selector.unregister(sock)
                    peer[sock].shutdown(socket.SHUT_WR)
