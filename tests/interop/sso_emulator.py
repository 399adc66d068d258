#!/usr/bin/env python3
"""In-memory emulator of AWS IAM Identity Center (SSO OIDC + SSO portal) and STS.

Test fixture for sagecred. Standard library only.

    python3 sso_emulator.py [--port 0] [--verbose] [--no-stdin-watch]

Binds 127.0.0.1, prints exactly one line ``READY http://127.0.0.1:PORT`` and serves
until its stdin reaches EOF (so a dying test never leaks it). All state is in memory.

AWS APIs (wire shapes as in botocore's ``sso-oidc``, ``sso`` and ``sts`` models):
  POST /client/register, POST /device_authorization, POST /token     (SSO OIDC)
  GET /federation/credentials, GET /assignment/accounts,
  GET /assignment/roles, POST /logout        (portal; header x-amz-sso_bearer_token)
  POST / with Action=GetCallerIdentity       (STS, key id taken from Authorization)
OIDC errors: x-amzn-errortype: <Name>Exception, body {"error", "error_description"};
HTTP 400, except InvalidClientException 401 and InternalServerException 500.

Control API (not AWS):
  POST /_emu/config   JSON merged into the config; returns the whole config. Keys:
      device_script (list of "authorization_pending" | "slow_down" | "expired_token" |
      "access_denied" | "ok"; each device code gets its own copy, exhausted => "ok"),
      interval (1), expires_in (600), access_token_ttl (3600),
      issue_refresh_token (true), refresh ("ok" | "invalid_grant"),
      role_credentials_ttl (3600), accounts (list of {accountId, accountName,
      emailAddress, roles: [..]}), page_size (2). Unknown keys => 400.
  POST /_emu/session  {access_token_ttl?: secs (negative = already expired),
      with_refresh?: bool = true} => {clientId, clientSecret, clientSecretExpiresAt,
      accessToken, expiresAt (epoch secs), refreshToken (null if with_refresh false)}
  GET /_emu/stats     {register_client, device_authorization, get_role_credentials,
      list_accounts, list_account_roles, logout, get_caller_identity: counts,
      create_token: [{grant_type, t (time.monotonic()), outcome}],
      requests: [[method, path-without-query], ...] (control calls excluded)}
  GET /device?user_code=X   tiny "approved" HTML page.
"""
import argparse
import copy
import hashlib
import json
import os
import re
import secrets
import string
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SESSION_NAME = "sagecred-test"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
UPPER_ALNUM = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits

DEFAULT_CONFIG = {
    "device_script": [], "interval": 1, "expires_in": 600, "access_token_ttl": 3600,
    "issue_refresh_token": True, "refresh": "ok", "role_credentials_ttl": 3600,
    "page_size": 2,
    "accounts": [
        {"accountId": "111122223333", "accountName": "ML Research",
         "emailAddress": "research@example.com", "roles": ["SageMakerDeveloper", "ReadOnly"]},
        {"accountId": "444455556666", "accountName": "ML Prod",
         "emailAddress": "prod@example.com", "roles": ["SageMakerDeveloper"]},
        {"accountId": "777788889999", "accountName": "Sandbox",
         "emailAddress": "sandbox@example.com", "roles": ["Admin"]},
    ],
}

# OAuth error value -> (x-amzn-errortype, HTTP status), per botocore's sso-oidc model.
OIDC_ERRORS = {
    "authorization_pending": ("AuthorizationPendingException", 400),
    "slow_down": ("SlowDownException", 400),
    "expired_token": ("ExpiredTokenException", 400),
    "access_denied": ("AccessDeniedException", 400),
    "invalid_grant": ("InvalidGrantException", 400),
    "invalid_client": ("InvalidClientException", 401),
    "invalid_request": ("InvalidRequestException", 400),
    "unauthorized_client": ("UnauthorizedClientException", 400),
    "unsupported_grant_type": ("UnsupportedGrantTypeException", 400),
    "server_error": ("InternalServerException", 500),
}


class ApiError(Exception):
    """An error response: status, x-amzn-errortype (or None) and a JSON body."""

    def __init__(self, status, errtype, body):
        super().__init__(errtype)
        self.status, self.errtype, self.body = status, errtype, body


def oidc_error(error, description):
    errtype, status = OIDC_ERRORS[error]
    return ApiError(status, errtype, {"error": error, "error_description": description})


def rand(alphabet, n):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def sts_xml(inner):
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{inner}\n'.encode()


class Emulator:
    def __init__(self):
        self.lock = threading.Lock()
        self.base_url = ""
        self.config = copy.deepcopy(DEFAULT_CONFIG)
        self.clients = {}        # clientId -> {secret, scopes}
        self.devices = {}        # deviceCode -> {client_id, script, done}
        self.access = {}         # accessToken -> {expires_at, revoked, user}
        self.refresh = {}        # refreshToken -> {client_id, revoked, user}
        self.role_keys = {}      # accessKeyId -> {account, role, user, expires_at}
        self.stats = {k: 0 for k in ("register_client", "device_authorization",
                                     "get_role_credentials", "list_accounts",
                                     "list_account_roles", "logout", "get_caller_identity")}
        self.stats.update(create_token=[], requests=[])

    # ---- helpers (callers hold the lock) ----
    def _new_client(self, scopes):
        client_id = rand(ALNUM, 22)
        self.clients[client_id] = {"secret": "cs-" + secrets.token_urlsafe(48),
                                   "scopes": list(scopes or [])}
        return client_id

    def _check_client(self, body):
        client = self.clients.get(body.get("clientId"))
        if client is None or client["secret"] != body.get("clientSecret"):
            raise oidc_error("invalid_client", "Invalid client credentials")
        return client

    def _issue_tokens(self, client_id, ttl, with_refresh, user=SESSION_NAME):
        access = "aoa" + secrets.token_urlsafe(48)
        self.access[access] = {"expires_at": time.time() + ttl, "revoked": False, "user": user}
        out = {"accessToken": access, "tokenType": "Bearer", "expiresIn": int(ttl)}
        if with_refresh:
            refresh = "aor" + secrets.token_urlsafe(48)
            self.refresh[refresh] = {"client_id": client_id, "revoked": False, "user": user}
            out["refreshToken"] = refresh
        return out

    def _bearer(self, headers):
        token = self.access.get(headers.get("x-amz-sso_bearer_token") or "")
        if token is None or token["revoked"] or token["expires_at"] <= time.time():
            raise ApiError(401, "UnauthorizedException",
                           {"message": "Session token not found or invalid"})
        return token

    def _page(self, items, query):
        size, token = self.config["page_size"], query.get("next_token") or ""
        try:
            if query.get("max_result"):
                size = min(size, int(query["max_result"]))
            if token and not token.startswith("page-"):
                raise ValueError(token)
            start = int(token[5:]) if token else 0
        except ValueError:
            raise ApiError(400, "InvalidRequestException", {"message": "Invalid pagination"})
        size = max(size, 1)
        page = items[start:start + size]
        nxt = f"page-{start + size}" if start + size < len(items) else None
        return page, nxt

    # ---- SSO OIDC ----
    def register_client(self, body, query, headers):
        self.stats["register_client"] += 1
        if not body.get("clientName") or not body.get("clientType"):
            raise oidc_error("invalid_request", "clientName and clientType are required")
        client_id = self._new_client(body.get("scopes"))
        now = int(time.time())
        return {"clientId": client_id, "clientSecret": self.clients[client_id]["secret"],
                "clientIdIssuedAt": now, "clientSecretExpiresAt": now + 90 * 86400}

    def device_authorization(self, body, query, headers):
        self.stats["device_authorization"] += 1
        self._check_client(body)
        if not body.get("startUrl"):
            raise oidc_error("invalid_request", "startUrl is required")
        device_code = secrets.token_urlsafe(32)
        user_code = rand(string.ascii_uppercase, 4) + "-" + rand(string.ascii_uppercase, 4)
        self.devices[device_code] = {"client_id": body["clientId"], "done": False,
                                     "script": list(self.config["device_script"])}
        uri = self.base_url + "/device"
        return {"deviceCode": device_code, "userCode": user_code, "verificationUri": uri,
                "verificationUriComplete": f"{uri}?user_code={user_code}",
                "expiresIn": self.config["expires_in"], "interval": self.config["interval"]}

    def create_token(self, body, query, headers):
        grant = body.get("grantType")
        entry = {"grant_type": grant, "t": time.monotonic(), "outcome": "ok"}
        self.stats["create_token"].append(entry)
        try:
            return self._create_token(body, grant)
        except ApiError as err:
            entry["outcome"] = err.body.get("error", err.errtype)
            raise

    def _create_token(self, body, grant):
        client = self._check_client(body)
        ttl = self.config["access_token_ttl"]
        if grant == DEVICE_GRANT:
            device = self.devices.get(body.get("deviceCode"))
            if device is None or device["done"] or device["client_id"] != body["clientId"]:
                raise oidc_error("invalid_grant", "Invalid device code provided")
            step = device["script"].pop(0) if device["script"] else "ok"
            if step != "ok":
                raise oidc_error(step, f"emulator device_script: {step}")
            device["done"] = True
            with_refresh = ("sso:account:access" in client["scopes"]
                            and self.config["issue_refresh_token"])
            return self._issue_tokens(body["clientId"], ttl, with_refresh)
        if grant == "refresh_token":
            old = self.refresh.get(body.get("refreshToken") or "")
            if (self.config["refresh"] == "invalid_grant" or old is None or old["revoked"]
                    or old["client_id"] != body["clientId"]):
                raise oidc_error("invalid_grant", "Invalid refresh token provided")
            old["revoked"] = True
            return self._issue_tokens(body["clientId"], ttl, True, old["user"])
        if not grant:
            raise oidc_error("invalid_request", "grantType is required")
        raise oidc_error("unsupported_grant_type", f"Unsupported grant type {grant}")

    # ---- SSO portal ----
    def get_role_credentials(self, body, query, headers):
        self.stats["get_role_credentials"] += 1
        token = self._bearer(headers)
        account, role = query.get("account_id"), query.get("role_name")
        if not any(a["accountId"] == account and role in a["roles"]
                   for a in self.config["accounts"]):
            raise ApiError(403, "ForbiddenException", {"message": "No access"})
        key_id = "ASIA" + rand(UPPER_ALNUM, 9) + "EXAMPLE"
        ttl = self.config["role_credentials_ttl"]
        expires_at = time.time() + ttl
        self.role_keys[key_id] = {"account": account, "role": role, "user": token["user"],
                                  "expires_at": expires_at}
        return {"roleCredentials": {
            "accessKeyId": key_id, "secretAccessKey": rand(ALNUM + "/+", 40),
            "sessionToken": "IQoJb3JpZ2luX2VjE" + secrets.token_urlsafe(96),
            "expiration": int(expires_at * 1000)}}

    def list_accounts(self, body, query, headers):
        self.stats["list_accounts"] += 1
        self._bearer(headers)
        accounts = [{k: a[k] for k in ("accountId", "accountName", "emailAddress")}
                    for a in self.config["accounts"]]
        page, nxt = self._page(accounts, query)
        return {"accountList": page, **({"nextToken": nxt} if nxt else {})}

    def list_account_roles(self, body, query, headers):
        self.stats["list_account_roles"] += 1
        self._bearer(headers)
        account = query.get("account_id")
        roles = [{"roleName": r, "accountId": a["accountId"]}
                 for a in self.config["accounts"] if a["accountId"] == account
                 for r in a["roles"]]
        page, nxt = self._page(roles, query)
        return {"roleList": page, **({"nextToken": nxt} if nxt else {})}

    def logout(self, body, query, headers):
        self.stats["logout"] += 1
        self._bearer(headers)["revoked"] = True
        return None

    # ---- STS (awsQuery, XML) ----
    def sts(self, form, headers):
        action = form.get("Action")
        if action != "GetCallerIdentity":
            return self._sts_error(400, "InvalidAction", f"Could not find operation {action}")
        self.stats["get_caller_identity"] += 1
        match = re.search(r"Credential=([^/,\s]+)/", headers.get("authorization") or "")
        key = self.role_keys.get(match.group(1)) if match else None
        if key is None:
            return self._sts_error(403, "InvalidClientTokenId",
                                   "The security token included in the request is invalid.")
        if key["expires_at"] <= time.time():
            return self._sts_error(403, "ExpiredToken",
                                   "The security token included in the request is expired")
        digest = hashlib.sha256(f"{key['account']}/{key['role']}".encode()).hexdigest()
        role_id = "AROA" + digest[:17].upper()
        arn = (f"arn:aws:sts::{key['account']}:assumed-role/"
               f"AWSReservedSSO_{key['role']}_abcdef0123456789/{SESSION_NAME}")
        return 200, sts_xml(
            f'<GetCallerIdentityResponse xmlns="{STS_NS}">\n  <GetCallerIdentityResult>\n'
            f"    <Arn>{arn}</Arn>\n    <UserId>{role_id}:{SESSION_NAME}</UserId>\n"
            f"    <Account>{key['account']}</Account>\n  </GetCallerIdentityResult>\n"
            f"  <ResponseMetadata><RequestId>{secrets.token_hex(16)}</RequestId>"
            f"</ResponseMetadata>\n</GetCallerIdentityResponse>")

    @staticmethod
    def _sts_error(status, code, message):
        return status, sts_xml(
            f'<ErrorResponse xmlns="{STS_NS}">\n  <Error>\n    <Type>Sender</Type>\n'
            f"    <Code>{code}</Code>\n    <Message>{message}</Message>\n  </Error>\n"
            f"  <RequestId>{secrets.token_hex(16)}</RequestId>\n</ErrorResponse>")

    # ---- control API ----
    def emu_config(self, body, query, headers):
        unknown = set(body) - set(DEFAULT_CONFIG)
        if unknown:
            raise ApiError(400, None, {"message": f"unknown config keys: {sorted(unknown)}"})
        self.config.update(copy.deepcopy(body))
        return self.config

    def emu_session(self, body, query, headers):
        client_id = self._new_client(["sso:account:access"])
        ttl = body.get("access_token_ttl", self.config["access_token_ttl"])
        tokens = self._issue_tokens(client_id, ttl, body.get("with_refresh", True))
        return {"clientId": client_id, "clientSecret": self.clients[client_id]["secret"],
                "clientSecretExpiresAt": int(time.time()) + 90 * 86400,
                "accessToken": tokens["accessToken"], "expiresAt": int(time.time() + ttl),
                "refreshToken": tokens.get("refreshToken")}

    def emu_stats(self, body, query, headers):
        return self.stats

    ROUTES = {
        ("POST", "/client/register"): "register_client",
        ("POST", "/device_authorization"): "device_authorization",
        ("POST", "/token"): "create_token",
        ("GET", "/federation/credentials"): "get_role_credentials",
        ("GET", "/assignment/accounts"): "list_accounts",
        ("GET", "/assignment/roles"): "list_account_roles",
        ("POST", "/logout"): "logout",
        ("POST", "/_emu/config"): "emu_config",
        ("POST", "/_emu/session"): "emu_session",
        ("GET", "/_emu/stats"): "emu_stats",
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    emulator: Emulator = None
    verbose = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("sso_emulator: " + (fmt % args) + "\n")

    def _send(self, status, body, content_type="application/json", errtype=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(16))
        if errtype:
            self.send_header("x-amzn-ErrorType", errtype)
        self.end_headers()
        self.wfile.write(body)

    def _handle(self, method):
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        emu = self.emulator
        with emu.lock:
            if not url.path.startswith("/_emu/"):
                emu.stats["requests"].append([method, url.path])
            if method == "POST" and url.path == "/":
                form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
                status, xml = emu.sts(form, headers)
                return self._send(status, xml, "text/xml")
            if method == "GET" and url.path == "/device":
                code = query.get("user_code", "")
                html = f"<html><body><h1>approved</h1><p>{code}</p></body></html>".encode()
                return self._send(200, html, "text/html")
            name = Emulator.ROUTES.get((method, url.path))
            if name is None:
                return self._send(404, {"message": "unknown"})
            try:
                body = json.loads(raw) if raw.strip() else {}
                if not isinstance(body, dict):
                    raise ValueError("body is not a JSON object")
            except ValueError as err:
                return self._send(400, {"error": "invalid_request", "message": str(err)},
                                  errtype="InvalidRequestException")
            try:
                result = getattr(emu, name)(body, query, headers)
            except ApiError as err:
                return self._send(err.status, err.body, errtype=err.errtype)
            except Exception as err:  # a fixture bug or a malformed test request
                return self._send(500, {"error": "server_error", "error_description": repr(err)},
                                  errtype="InternalServerException")
            # Serialise while still holding the lock (stats/config are live objects).
            return self._send(200, b"" if result is None else json.dumps(result).encode())

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")


def start_server(port=0, verbose=False):
    """Start the emulator in a background thread; returns (server, base_url)."""
    handler = type("BoundHandler", (Handler,), {"emulator": Emulator(), "verbose": verbose})
    server_cls = type("Server", (ThreadingHTTPServer,),
                      {"daemon_threads": True, "request_queue_size": 128})
    server = server_cls(("127.0.0.1", port), handler)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    handler.emulator.base_url = base_url
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, base_url


def watch_stdin():
    while sys.stdin.buffer.read1(4096):
        pass
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    parser.add_argument("--no-stdin-watch", action="store_true",
                        help="do not exit when stdin reaches EOF")
    args = parser.parse_args()
    _, base_url = start_server(args.port, args.verbose)
    print(f"READY {base_url}", flush=True)
    if args.no_stdin_watch:
        threading.Event().wait()
    watch_stdin()


if __name__ == "__main__":
    main()
