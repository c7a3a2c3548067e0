"""What went wrong talking to a cluster, as data: hubtui.errors.HubError holds one of these, and
hubtui.present.kube_failures words it (what an operator reads lives in present/)."""

from __future__ import annotations

from ..frozen import frozen


@frozen
class ApiFailed:
    """A request failed while hubtui was `doing` something (a fact of the calling layer, worded as a phrase:
    "reading namespace hub"). `kind` is one of kube.client's UNAUTHORIZED, FORBIDDEN, UNREACHABLE, FAILED;
    `status` the HTTP status (0: no answer); `reason` the status's reason or the network's, in plain words;
    `said` the server's own message ('' when it gave none); `error` the text of an unexpected error."""
    doing: object
    kind: str
    status: int = 0
    reason: str = ""
    said: str = ""
    error: str = ""
