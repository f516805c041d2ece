#!/usr/bin/env python3
"""A client for a running Flotilla session (`flotilla up`), standard library only.

The control protocol is documented in docs/control.md: one JSON object per
line over the Unix-domain socket named in the session's control.json, each
request carrying the session's token.

    from flotilla_control import Session
    session = Session.newest()            # or Session("flotilla-sessions/2026...")
    ids = session.submit_task("fit", ["python3", "fit.py"], cores=2)
    print(session.wait(ids))              # [{"id": "fit", "state": "done", "exit_code": 0}]
    session.down()

Run as a script it is a small demo: python3 flotilla_control.py [SESSION_DIR]
"""
import itertools
import json
import os
import socket
import sys

VERSION = 1
_ids = itertools.count(1)


class ControlError(Exception):
    """The session refused a request; `code` and `problems` say why (as `flotilla validate` would)."""

    def __init__(self, error):
        super().__init__(error.get("message", "refused"))
        self.code = error.get("code")
        self.problems = error.get("problems", [])


class Session:
    def __init__(self, directory):
        self.directory = os.path.abspath(directory)
        with open(os.path.join(self.directory, "control.json"), encoding="utf-8") as f:
            record = json.load(f)
        self.socket_path = record["socket"]
        self.token = record["token"]

    @classmethod
    def newest(cls, cwd="."):
        """The newest session with a control socket in ./flotilla-sessions (ids sort by start time)."""
        parent = os.path.join(cwd, "flotilla-sessions")
        for name in sorted(os.listdir(parent), reverse=True):
            path = os.path.join(parent, name)
            if name != "latest" and os.path.exists(os.path.join(path, "control.json")):
                return cls(path)
        raise FileNotFoundError(f"no running session in {parent}")

    def request(self, op, **fields):
        message = {"v": VERSION, "id": next(_ids), "token": self.token, "op": op, **fields}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(self.socket_path)
            conn.sendall((json.dumps(message) + "\n").encode())
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = conn.recv(65536)
                if not chunk:
                    raise ConnectionError("the session closed the connection (it is stopping)")
                reply += chunk
        answer = json.loads(reply)
        if not answer.get("ok"):
            raise ControlError(answer["error"])
        return answer

    def submit(self, text, source="submission.yaml", directory=None):
        """Submits a workload text with `version: 1` and `tasks:`; returns the task ids."""
        return self.request("submit", text=text, source=source, dir=directory or os.getcwd())["tasks"]

    def submit_task(self, name, command, **fields):
        """One task: fields as in the workload file (cores, gpus, after, uses, count, ranks, env, timeout)."""
        task = {"name": name, "command": list(command), **fields}
        return self.submit(json.dumps({"version": 1, "tasks": [task]}), source="python")

    def wait(self, ids=()):
        """Blocks until the tasks have ended; returns [{id, state, exit_code, error}]."""
        return self.request("wait", tasks=list(ids))["tasks"]

    def status(self):
        return self.request("status")

    def cancel(self, ids):
        return self.request("cancel", tasks=list(ids))["canceled"]

    def down(self):
        """Asks the session to stop in order; it ends shortly after (see events.jsonl)."""
        self.request("down")


def main(argv):
    session = Session(argv[1]) if len(argv) > 1 else Session.newest()
    first = session.submit_task("prepare", ["sh", "-c", "echo prepared"])
    # A small sweep that runs only once `prepare` is done.
    sweep = session.submit(
        json.dumps(
            {
                "version": 1,
                "tasks": [{"name": "sweep", "for_each": ["a", "b", "c"], "after": first, "command": ["echo", "{item}"]}],
            }
        ),
        source="sweep.json",
    )
    try:
        session.submit_task("bad name", ["true"])
    except ControlError as refused:
        print(f"refused as expected: {refused.code}")
    results = session.wait(first + sweep)
    for result in results:
        print(f"{result['id']} {result['state']}")
    counts = session.status()["counts"]
    print(f"done {counts['done']} failed {counts['failed']}")
    return 0 if all(r["state"] == "done" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
