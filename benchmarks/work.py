"""The work a stretch of a benchmark run costs: CPU time of processes (from /proc)
and the SQL statements MariaDB ran."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used, its children's included: those
    still running (read from /proc) and those that ended (counted by the kernel)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    total = (utime + stime + cutime + cstime) / CLOCK_TICKS
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            total += cpu_seconds(int(child))
    return total


def mariadb_pid() -> int | None:
    for stat in Path("/proc").glob("[0-9]*/comm"):
        try:
            if stat.read_text().strip() in ("mariadbd", "mysqld"):
                return int(stat.parent.name)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return None


class WorkMeter:
    """The work done over a stretch of the run: CPU time of the worker processes, of
    MariaDB and of this (submitting) process, and the SQL statements MariaDB ran for
    clients other than this process (its own session's statements are subtracted)."""

    def __init__(self, workers: list[subprocess.Popen]) -> None:
        self.worker_pids = [worker.pid for worker in workers]
        self.mariadb_pid = mariadb_pid()

    def read(self) -> dict[str, float]:
        from django.db import connection

        counted = "Variable_name = 'Questions' OR Variable_name LIKE 'Com\\_%%'"
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW GLOBAL STATUS WHERE {counted}")
            everyone = dict(cursor.fetchall())
            cursor.execute(f"SHOW SESSION STATUS WHERE {counted}")
            this_session = dict(cursor.fetchall())
        others = {name: int(everyone[name]) - int(this_session.get(name, 0)) for name in everyone}
        return {
            "worker_cpu": sum(cpu_seconds(pid) for pid in self.worker_pids),
            "db_cpu": cpu_seconds(self.mariadb_pid) if self.mariadb_pid else float("nan"),
            "submit_cpu": time.process_time(),
            "statements": others.pop("Questions"),
            # By type: Com_set_option (SET autocommit), Com_select, Com_insert, Com_commit...
            **{f"statements:{name[4:]}": count for name, count in others.items()},
        }

    def __enter__(self) -> WorkMeter:
        self.before = self.read()
        return self

    def __exit__(self, *exc_info: object) -> None:
        after = self.read()
        self.used = {name: after[name] - self.before[name] for name in after}

    def per(self, count: int) -> dict[str, float]:
        return {
            "cpu_ms_per_transfer": round(self.used["worker_cpu"] * 1000 / count, 3),
            "db_cpu_ms_per_transfer": round(self.used["db_cpu"] * 1000 / count, 3),
            "submit_cpu_ms_per_transfer": round(self.used["submit_cpu"] * 1000 / count, 3),
            "statements_per_transfer": round(self.used["statements"] / count, 2),
            "statements_per_transfer_by_type": {
                name.split(":", 1)[1]: round(used / count, 2)
                for name, used in sorted(self.used.items(), key=lambda item: -item[1])
                if name.startswith("statements:") and used / count >= 0.01
            },
        }
