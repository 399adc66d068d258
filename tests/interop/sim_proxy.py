"""A loopback HTTP proxy in front of moto that answers iam:SimulatePrincipalPolicy as AWS
answers a caller without that right, and forwards everything else unchanged.

Usage: sim_proxy.py UPSTREAM_URL
Prints the proxy's URL on the first line of stdout, then serves until killed. moto answers
SimulatePrincipalPolicy with HTTP 500; AWS answers 403 AccessDenied in IAM's XML error
shape, which the SageMaker Python SDK v3 treats as "cannot verify, go on". GET
/_proxy/stats returns {"simulate": N}, the number of SimulatePrincipalPolicy calls seen.
"""
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = urllib.parse.urlsplit(sys.argv[1])
STATS = {"simulate": 0}
LOCK = threading.Lock()

DENIED = (
    '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
    "<Message>User is not authorized to perform: iam:SimulatePrincipalPolicy</Message>"
    "</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
).encode()

# Hop-by-hop headers are the proxy's own business, never forwarded.
HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, headers, body):
        self.send_response(status)
        head = self.command == "HEAD"
        for k, v in headers:
            # A HEAD answer keeps the length of the body it did not send.
            if k.lower() not in HOP and (head or k.lower() != "content-length"):
                self.send_header(k, v)
        if not head:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _handle(self):
        body = self._body()
        if self.path == "/_proxy/stats":
            with LOCK:
                out = json.dumps(STATS).encode()
            return self._send(200, [("Content-Type", "application/json")], out)
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
        if form.get("Action") == ["SimulatePrincipalPolicy"]:
            with LOCK:
                STATS["simulate"] += 1
            return self._send(403, [("Content-Type", "text/xml")], DENIED)
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        self._send(resp.status, resp.getheaders(), data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
