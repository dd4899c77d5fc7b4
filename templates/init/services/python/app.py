"""A small HTTP service: GET /healthz answers ok, GET / says hello."""
import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            self.reply(200, "text/plain", b"ok\n")
        elif self.path == "/":
            body = {"service": "web", "logLevel": os.environ.get("LOG_LEVEL", "info")}
            self.reply(200, "application/json", json.dumps(body).encode() + b"\n")
        else:
            self.reply(404, "text/plain", b"not found\n")

    def reply(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    server = ThreadingHTTPServer(("0.0.0.0", int(os.environ.get("PORT", "8080"))), Handler)
    # PID 1 in a container: stop on SIGTERM instead of waiting to be killed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("web listening on :%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
