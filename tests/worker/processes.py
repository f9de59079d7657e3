"""The processes a test started, and theirs, read from /proc."""

from pathlib import Path


def children_of(pid):
    """The ids of the living (not zombie) processes whose parent is pid."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == pid and state != "Z":
            children.append(int(entry.name))
    return children


def alive(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def descendants_of(pid):
    """The ids of the living processes below pid, children first."""
    found, parents = [], [pid]
    while parents:
        children = [child for parent in parents for child in children_of(parent)]
        found.extend(children)
        parents = children
    return found


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return "(gone)"
