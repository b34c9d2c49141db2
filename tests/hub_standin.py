"""A stand-in for the Hugging Face Hub's HTTP API on 127.0.0.1, for ``HF_ENDPOINT``.

It answers the few routes huggingface_hub's own code calls for IMAGE HEAR — a dataset's
info and leaderboard, and a model repo's preupload + commit (``create_commit``) — and records
every request, so tests run the real client code paths and read what it sent.

    hub = HubStandIn(); url = hub.start()        # then HF_ENDPOINT=url
    hub.leaderboard = [...] | b"garbage" | 500   # what GET .../leaderboard answers
    hub.requests                                 # [(method, path, query, lower-case headers, body)]
"""
from __future__ import annotations

import http.server
import json
import threading
from urllib.parse import parse_qs, urlsplit

DATASET_SHA = "5e1c0f7a" * 5


def entry(model_id: str, value, source_url: str | None, rank: int = 1, **extra) -> dict:
    """One leaderboard entry as the Hub's JSON spells it (``get_dataset_leaderboard`` parses it)."""
    row = {"rank": rank, "modelId": model_id, "value": value, "filename": ".eval_results/image_hear.yaml",
           "verified": False, "author": {"type": "user", "name": model_id.split("/")[0]}, **extra}
    if source_url is not None:
        row["source"] = {"url": source_url, "name": "IMAGE HEAR results file"}
    return row


class HubStandIn:
    def __init__(self):
        self.requests: list[tuple[str, str, dict, dict, object]] = []
        self.leaderboard: list | bytes | int = []
        self._server = None

    def start(self) -> str:
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status: int, body) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _record(self, body=None):
                parts = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                hub.requests.append((self.command, parts.path, parse_qs(parts.query), headers, body))
                return parts.path.split("/")

            def do_GET(self):
                path = self._record()
                if path[:3] == ["", "api", "datasets"] and path[-1] == "leaderboard":
                    board = hub.leaderboard
                    return self._reply(board, {"error": "stand-in failure"}) if isinstance(board, int) \
                        else self._reply(200, board)
                if path[:3] == ["", "api", "datasets"] and len(path) == 5:
                    return self._reply(200, {"id": f"{path[3]}/{path[4]}", "sha": DATASET_SHA})
                self._reply(404, {"error": "not served by the stand-in"})

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "/commit/" in self.path:
                    body = [json.loads(line) for line in raw.splitlines() if line.strip()]
                else:
                    body = json.loads(raw or b"null")
                path = self._record(body)
                repo = "/".join(path[3:5])
                if path[:3] == ["", "api", "models"] and path[5] == "preupload":
                    return self._reply(200, {"files": [{"path": f["path"], "uploadMode": "regular",
                                                        "shouldIgnore": False} for f in body["files"]]})
                if path[:3] == ["", "api", "models"] and path[5] == "commit":
                    base = f"http://{self.headers['host']}"
                    return self._reply(200, {"commitUrl": f"{base}/{repo}/commit/{'c' * 40}", "commitOid": "c" * 40,
                                             "pullRequestUrl": f"{base}/{repo}/discussions/1"})
                self._reply(404, {"error": "not served by the stand-in"})

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def sent(self, route: str) -> list[tuple]:
        """The recorded requests whose path contains ``route`` (huggingface_hub also asks for its own
        ``/api/agent-harnesses`` registry once per process, on its configured endpoint)."""
        return [r for r in self.requests if route in r[1]]

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
