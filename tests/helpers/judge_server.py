"""An OpenAI-compatible chat-completions judge on 127.0.0.1 for the tests: it answers the
modeling-error schema with ``predicate(trace)``, and records every request body."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serve_judge(predicate: Callable[[str], bool]) -> Iterator[tuple[str, list[dict]]]:
    """Yields the server's base URL (``http://127.0.0.1:PORT/v1``) and the list of requests."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            content = body["messages"][-1]["content"]
            trace = content[content.index("<trace>") : content.index("</trace>")]
            reply = {"modeling_error": predicate(trace), "explanation": "rule of the test"}
            data = json.dumps({"choices": [{"message": {"content": json.dumps(reply)}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    finally:
        server.shutdown()
        server.server_close()
