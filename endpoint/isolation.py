"""Cut a process off the network: a new, empty network namespace (Linux), entered before any query runs.

Inside it there is no interface but a loopback that is down, so no connection can be opened to any
address, the host's loopback included; pipes and files inherited from the parent keep working.
"""

import ctypes
import ctypes.util
import logging
import os

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

log = logging.getLogger("tehkg.workers")


def isolate_network() -> bool:
    """Move this process into a new network namespace; False (with the reason logged) when it cannot.

    As root ``CLONE_NEWNET`` alone is enough; other users need a user namespace to hold it, which
    the kernel grants only to a single-threaded process.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError) as err:
        log.debug("no unshare(2): %s", err)
        return False
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if unshare(flags) == 0:
            return True
        reason = os.strerror(ctypes.get_errno())
    log.debug("unshare(CLONE_NEWNET) refused: %s", reason)
    return False
