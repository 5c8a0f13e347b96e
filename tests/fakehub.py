"""A local stand-in for the Hugging Face Hub, enough for ``huggingface_hub`` downloads.

It serves, on 127.0.0.1, the endpoints ``snapshot_download``/``hf_hub_download`` use:
``GET /api/models/{repo}/revision/{rev}`` (repo info: the commit sha), ``GET
/api/models/{repo}/tree/{rev}`` (the file listing, LFS sha256s included), and ``HEAD``/``GET
/{repo}/resolve/{rev}/{path}`` with ``X-Repo-Commit``, ``ETag`` (sha256 for LFS files, the git
blob sha1 for small ones), ``Content-Length`` and ``Range`` (206) for resumed downloads.

It counts requests and body bytes, and injects faults per file: ``stall`` (send N bytes, then
hang), ``cut`` (send N bytes, then close the connection) and ``flip`` (serve a wrong byte),
each for a given number of responses. ``rate`` throttles bodies (benchmarks).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

LFS_MIN_SIZE = 1024  # files at least this big (or *.safetensors) are served as LFS files


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data).hexdigest()


@dataclass
class Repo:
    files: dict[str, bytes]
    commit: str = ""

    def __post_init__(self) -> None:
        if not self.commit:
            digest = hashlib.sha1()
            for path, data in sorted(self.files.items()):
                digest.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
            self.commit = digest.hexdigest()

    @staticmethod
    def is_lfs(path: str, data: bytes) -> bool:
        return path.endswith(".safetensors") or len(data) >= LFS_MIN_SIZE

    def etag(self, path: str) -> str:
        data = self.files[path]
        return hashlib.sha256(data).hexdigest() if self.is_lfs(path, data) else git_blob_sha1(data)


@dataclass
class Fault:
    kind: str  # stall, cut, flip
    after: int  # bytes sent before the fault (for flip: the offset of the wrong byte)
    times: int = 1  # how many responses it applies to


@dataclass
class Stats:
    requests: Counter[str] = field(default_factory=Counter)  # "METHOD kind" -> count
    body_bytes: int = 0
    log: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.requests.values())


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.faults: dict[str, Fault] = {}  # file path -> fault
        self.stats = Stats()
        self.lock = threading.Lock()
        self.release = threading.Event()  # set to end every stall
        self.rate = 0  # bytes/s per response; 0: as fast as the loopback goes
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                hub._handle(self, head=True)

            def do_GET(self) -> None:
                hub._handle(self, head=False)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ---- control --------------------------------------------------------------------

    def start(self) -> FakeHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def add(self, repo_id: str, files: dict[str, bytes]) -> Repo:
        repo = Repo(files)
        self.repos[repo_id] = repo
        return repo

    def reset_stats(self) -> None:
        with self.lock:
            self.stats = Stats()

    # ---- serving ------------------------------------------------------------------

    def _count(self, key: str, path: str) -> None:
        with self.lock:
            self.stats.requests[key] += 1
            self.stats.log.append(f"{key} {path}")

    def _handle(self, req: BaseHTTPRequestHandler, *, head: bool) -> None:
        path = unquote(urlsplit(req.path).path)
        method = "HEAD" if head else "GET"
        if m := re.fullmatch(r"/api/models/(.+)/revision/([^/]+)", path):
            self._count(f"{method} info", path)
            return self._json(req, m.group(1), m.group(2), head, self._info)
        if m := re.fullmatch(r"/api/models/(.+)/tree/([^/]+)", path):
            self._count(f"{method} tree", path)
            return self._json(req, m.group(1), m.group(2), head, self._tree)
        if m := re.fullmatch(r"/(.+?/.+?)/resolve/([^/]+)/(.+)", path):
            self._count(f"{method} file", path)
            return self._file(req, m.group(1), m.group(2), m.group(3), head)
        self._count(f"{method} other", path)
        self._send(req, 404, b'{"error": "not found"}', {"X-Error-Code": "RepoNotFound"}, head)

    def _repo(self, repo_id: str, rev: str) -> Repo | None:
        repo = self.repos.get(repo_id)
        return repo if repo and rev in ("main", repo.commit) else None

    def _info(self, repo_id: str, repo: Repo) -> object:
        return {
            "id": repo_id,
            "sha": repo.commit,
            "siblings": [{"rfilename": p} for p in sorted(repo.files)],
        }

    def _tree(self, repo_id: str, repo: Repo) -> object:
        out = []
        for path, data in sorted(repo.files.items()):
            entry: dict[str, object] = {
                "type": "file",
                "path": path,
                "size": len(data),
                "oid": git_blob_sha1(data),
            }
            if repo.is_lfs(path, data):
                entry["lfs"] = {
                    "oid": hashlib.sha256(data).hexdigest(),
                    "size": len(data),
                    "pointerSize": 134,
                }
            out.append(entry)
        return out

    def _json(self, req, repo_id, rev, head, build) -> None:
        repo = self._repo(repo_id, rev)
        if repo is None:
            return self._send(
                req,
                404,
                b'{"error": "Repository not found"}',
                {"X-Error-Code": "RepoNotFound"},
                head,
            )
        self._send(
            req,
            200,
            json.dumps(build(repo_id, repo)).encode(),
            {"Content-Type": "application/json"},
            head,
        )

    def _file(self, req, repo_id, rev, filename, head) -> None:
        repo = self._repo(repo_id, rev)
        if repo is None or filename not in repo.files:
            return self._send(req, 404, b"not found", {"X-Error-Code": "EntryNotFound"}, head)
        data = repo.files[filename]
        headers = {
            "X-Repo-Commit": repo.commit,
            "ETag": f'"{repo.etag(filename)}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
        if repo.is_lfs(filename, data):
            headers["X-Linked-Etag"] = headers["ETag"]
            headers["X-Linked-Size"] = str(len(data))
        start = 0
        status = 200
        rng = "" if head else (req.headers.get("Range") or "")
        if m := re.fullmatch(r"bytes=(\d+)-(\d*)", rng.strip()):
            start = int(m.group(1))
            status = 206
            headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        body = data[start:]
        if head:
            return self._send(req, 200, data, headers, head=True)
        fault = None
        with self.lock:
            f = self.faults.get(filename)
            if f is not None and f.times > 0:
                f.times -= 1
                fault = f
        if fault is not None and fault.kind == "flip" and start <= fault.after < len(data):
            i = fault.after - start
            body = body[:i] + bytes([body[i] ^ 0xFF]) + body[i + 1 :]
            fault = None
        self._send(req, status, body, headers, head=False, fault=fault)

    def _send(self, req, status, body, headers, head, fault: Fault | None = None) -> None:
        req.send_response(status)
        for key, value in headers.items():
            req.send_header(key, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if head:
            return
        if fault is None:
            if self.rate:  # bytes per second, like a real link
                step = max(1, self.rate // 20)
                for i in range(0, len(body), step):
                    req.wfile.write(body[i : i + step])
                    time.sleep(len(body[i : i + step]) / self.rate)
            else:
                req.wfile.write(body)
            with self.lock:
                self.stats.body_bytes += len(body)
            return
        part = body[: max(0, fault.after)]
        req.wfile.write(part)
        req.wfile.flush()
        with self.lock:
            self.stats.body_bytes += len(part)
        if fault.kind == "stall":
            while not self.release.wait(0.2):
                pass
        req.close_connection = True
        time.sleep(0.05)
