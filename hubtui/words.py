"""Wording every layer shares (the engine's log lines and errors as well as the screens): counts with their nouns,
and ages."""


def counted(n: int, noun: str) -> str:
    """`1 deployment`, `0 deployments`, `3 deployments`; `1 replica set`, `2 replica sets` (plain plurals only)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def human_age(seconds: float | None) -> str:
    """`3 d`, `2 h`, `5 min`, `40 s` (the largest whole unit); `an unknown time` for None."""
    if seconds is None:
        return "an unknown time"
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def rolled_back(n: int) -> str:
    """`1 deployment rolled back to the count it had`, `3 deployments rolled back, each to the count it had`."""
    return f"{counted(n, 'deployment')} rolled back" + (" to the count it had" if n == 1 else ", each to the count it had")


def users_or_why(users: tuple[str, ...] | list[str], unchecked: str = "") -> tuple[list[str], str]:
    """What uses an infrastructure namespace, and why that could not be listed. An earlier hubtui recorded the
    latter among the users, as `could not check (why)` (in the plans and journals it saved): read as such."""
    earlier = "could not check ("
    if not unchecked and len(users) == 1 and users[0].startswith(earlier) and users[0].endswith(")"):
        return [], users[0][len(earlier):-1]
    return list(users), unchecked


def unchecked_use(why: str) -> str:
    """An infrastructure namespace whose users could not be listed (`why`)."""
    return f"whether something uses it could not be checked ({why})"


def in_use(users: tuple[str, ...] | list[str], unchecked: str = "", most: int = 3) -> str:
    """What keeps an infrastructure namespace: `used since the plan by ingress web/site and 2 more`, or why
    that could not be checked (`unchecked`, which keeps it too)."""
    users, unchecked = users_or_why(users, unchecked)
    if not users:
        return unchecked_use(unchecked)
    more = f" and {len(users) - most} more" if len(users) > most else ""
    return f"used since the plan by {', '.join(users[:most])}{more}"


def working_files_kept(folder: str, reason: str, unaudited: bool = False) -> str:
    """A completed run's working files that would not go, or were kept (`unaudited`: the audit log could not
    record the run's end, so its journal stays its record); `folder` as shown to a person."""
    if unaudited:
        return (f"hubtui's working files {folder} are kept as the run's record: the audit log could not record its "
                "end (the error above); remove them once the log is mended")
    return f"could not remove hubtui's working files {folder} ({reason}): remove them by hand"
