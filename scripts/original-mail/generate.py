#!/usr/bin/env python3
"""Records the mail the Python original superlance sends, as fixtures for
test/e2e/originalMail.test.ts.

For every case of test/support/original-mail/cases.json it starts a real supervisord in a temp
dir (with the case's programs), runs the original plugin as that supervisord's event listener
would run (the listener protocol on its stdin, SUPERVISOR_SERVER_URL in its environment), feeds it
the case's events and keeps the message it sends: what a fake sendmail got on stdin, or the DATA
an SMTP sink received. It writes <case>.eml (the raw message) and manifest.json (where it came
from, the values put into the arguments, the SMTP envelope).

The original's code is not part of this repository: pass a checkout (the directory holding the
`superlance` package) with --superlance, or a git repository with --repo (default: the read-only
mirror below), whose HEAD is extracted to a temp dir. Run it with a Python that has supervisor
installed (Debian's python3-supervisor, or `pip install supervisor`):

    /usr/bin/python3 scripts/original-mail/generate.py [--repo DIR | --superlance DIR] [--out DIR]
"""
import argparse
import http.server
import json
import os
import platform
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

try:
    from supervisor import childutils
except ImportError:
    sys.exit("this Python (%s) cannot import supervisor: run the script with one that can, "
             "e.g. /usr/bin/python3 with Debian's python3-supervisor" % sys.executable)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_REPO = "/work/.mirror/Supervisor+superlance/repo"
DEFAULT_OUT = os.path.join(ROOT, "test", "support", "original-mail")


# --------------------------------------------------------------------------------------------
# Counterparts: a fake sendmail, an SMTP sink, an HTTP server, supervisord

FAKE_SENDMAIL = """#!/bin/sh
# Stores the message given on stdin, as sendmail -t would take it.
cat > "%s/$(date +%%s%%N)-$$.eml"
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP to take a message: records MAIL FROM, RCPT TO and the DATA (dot-unstuffed,
    line endings as received)."""
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self):
        self.messages = []
        socketserver.ThreadingTCPServer.__init__(self, ("127.0.0.1", 0), SmtpSession)


class SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self):
        envelope = {"from": None, "to": []}
        self.reply("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            verb = command.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb == "HELO":
                self.reply("250 sink")
            elif verb == "MAIL":
                envelope = {"from": command.split(":", 1)[1].strip().strip("<>"), "to": []}
                self.reply("250 OK")
            elif verb == "RCPT":
                envelope["to"].append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.messages.append({"envelope": envelope, "data": data})
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


def http_server(status):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"down\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def supervisord_config(dir, case):
    sections = [
        "[unix_http_server]\nfile=%s/supervisor.sock\nchmod=0700" % dir,
        "[supervisord]\nlogfile=%s/supervisord.log\npidfile=%s/supervisord.pid\nchildlogdir=%s\nnodaemon=true"
        % (dir, dir, dir),
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ]
    for name, program in case.get("programs", {}).items():
        lines = ["[program:%s]" % name, "command=%s" % program["command"], "startsecs=0"]
        if program.get("autostart") is False:
            lines.append("autostart=false")
        sections.append("\n".join(lines))
    for name, programs in case.get("groups", {}).items():
        sections.append("[group:%s]\nprograms=%s" % (name, ",".join(programs)))
    return "\n\n".join(sections) + "\n"


class Supervisord:
    def __init__(self, case):
        self.dir = tempfile.mkdtemp(prefix="sv-")
        conf = os.path.join(self.dir, "supervisord.conf")
        with open(conf, "w") as f:
            f.write(supervisord_config(self.dir, case))
        self.url = "unix://%s/supervisor.sock" % self.dir
        self.process = subprocess.Popen(["supervisord", "-n", "-c", conf], cwd=self.dir,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        expected = [n for n, p in case.get("programs", {}).items() if p.get("autostart") is not False]
        deadline = time.time() + 15
        while True:
            try:
                # A fresh proxy each time: its transport keeps a connection that failed.
                rpc = childutils.getRPCInterface({"SUPERVISOR_SERVER_URL": self.url})
                infos = rpc.supervisor.getAllProcessInfo()
                if all(any(i["name"] == n and i["statename"] == "RUNNING" for i in infos) for n in expected):
                    return
            except Exception:
                pass
            if time.time() > deadline:
                self.stop()
                sys.exit("supervisord did not come up in %s" % self.dir)
            time.sleep(0.1)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# The listener protocol, supervisord's side

def envelope(serial, event):
    if event["event"].startswith("TICK_"):
        payload = "when:%d" % int(time.time())
    else:
        payload = " ".join("%s:%s" % (k, v) for k, v in event["fields"].items())
    header = ("ver:3.0 server:supervisor serial:%d pool:listener poolserial:%d eventname:%s len:%d\n"
              % (serial, serial, event["event"], len(payload)))
    return header + payload


def expect_line(listener, wanted):
    line = listener.stdout.readline()
    if line != wanted:
        listener.kill()
        sys.exit("listener said %r, expected %r; stderr:\n%s" % (line, wanted, listener.stderr.read()))


def run_listener(python, source, case, args, sv_url):
    env = dict(os.environ, PYTHONPATH=source, SUPERVISOR_SERVER_URL=sv_url,
               SUPERVISOR_PROCESS_NAME=case["plugin"], SUPERVISOR_GROUP_NAME=case["plugin"],
               SUPERVISOR_ENABLED="1")
    listener = subprocess.Popen([python, "-m", "superlance." + case["plugin"]] + args, env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8")
    timer = threading.Timer(60, listener.kill)
    timer.start()
    try:
        expect_line(listener, "READY\n")
        for serial, event in enumerate(case["events"], start=1):
            listener.stdin.write(envelope(serial, event))
            listener.stdin.flush()
            expect_line(listener, "RESULT 2\n")
            if listener.stdout.read(2) != "OK":
                sys.exit("listener did not answer OK")
            expect_line(listener, "READY\n")
    finally:
        timer.cancel()
        listener.kill()
        listener.wait()


# --------------------------------------------------------------------------------------------

def superlance_source(options, tmp):
    """The directory holding the original `superlance` package, and a description of it."""
    if options.superlance:
        path = os.path.abspath(options.superlance)
        commit = subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True, text=True)
        return path, commit.stdout.strip() if commit.returncode == 0 else "unknown"
    commit = subprocess.run(["git", "-C", options.repo, "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    os.makedirs(tmp)
    archive = subprocess.Popen(["git", "-C", options.repo, "archive", commit, "superlance"], stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", tmp], stdin=archive.stdout, check=True)
    archive.wait()
    return tmp, commit


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=os.environ.get("SUPERLANCE_REPO", DEFAULT_REPO),
                        help="a git repository of the original superlance (its HEAD is used)")
    parser.add_argument("--superlance", default=os.environ.get("SUPERLANCE_SRC"),
                        help="a checkout holding the superlance package (instead of --repo)")
    parser.add_argument("--python", default=sys.executable, help="the Python that runs the plugins")
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--case", action="append", help="only these cases (default: all)")
    options = parser.parse_args()

    with open(os.path.join(DEFAULT_OUT, "cases.json"), encoding="utf-8") as f:
        spec = json.load(f)
    work = tempfile.mkdtemp(prefix="original-mail-")
    try:
        source, commit = superlance_source(options, os.path.join(work, "src"))
        manifest_path = os.path.join(options.out, "manifest.json")
        manifest = {"cases": {}}
        if os.path.exists(manifest_path):
            with open(manifest_path, encoding="utf-8") as f:
                manifest = json.load(f)
        manifest.update({
            "generatedBy": "scripts/original-mail/generate.py",
            "superlance": commit,
            "python": platform.python_version(),
            "supervisord": subprocess.run(["supervisord", "--version"], capture_output=True, text=True).stdout.strip(),
        })
        os.environ.update(spec.get("env", {}))
        for case in spec["cases"]:
            if options.case and case["name"] not in options.case:
                continue
            manifest["cases"][case["name"]] = record(options.python, source, case, work, options.out)
            print("recorded %s" % case["name"])
        with open(manifest_path, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, ensure_ascii=False, sort_keys=True)
            f.write("\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def record(python, source, case, work, out):
    outbox = tempfile.mkdtemp(prefix="mail-", dir=work)
    sendmail = os.path.join(outbox, "sendmail")
    with open(sendmail, "w") as f:
        f.write(FAKE_SENDMAIL % outbox)
    os.chmod(sendmail, 0o755)
    smtp = SmtpSink()
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    web = http_server(case["http"]["status"]) if "http" in case else None
    values = {
        "sendmail": "%s -t -i" % sendmail,
        "smtp": "127.0.0.1:%d" % smtp.server_address[1],
        "url": "http://127.0.0.1:%d/health" % (web.server_address[1] if web else 0),
        "refused": "http://127.0.0.1:%d/health" % free_port(),
    }
    args = [arg.format(**values) for arg in case["args"]]
    sv = Supervisord(case)
    try:
        run_listener(python, source, case, args, sv.url)
    finally:
        sv.stop()
        smtp.shutdown()
        if web:
            web.shutdown()

    # The URLs appear in the mail, so the test needs them to compare; the rest is noise.
    entry = {"values": {k: values[k] for k in ("url", "refused") if "{%s}" % k in " ".join(case["args"])}}
    if case["transport"] == "smtp":
        if len(smtp.messages) != 1:
            sys.exit("%s: the SMTP sink got %d messages, expected 1" % (case["name"], len(smtp.messages)))
        message = smtp.messages[0]
        data = message["data"]
        entry["envelope"] = message["envelope"]
    else:
        mails = sorted(name for name in os.listdir(outbox) if name.endswith(".eml"))
        if len(mails) != 1:
            sys.exit("%s: sendmail got %d messages, expected 1" % (case["name"], len(mails)))
        with open(os.path.join(outbox, mails[0]), "rb") as f:
            data = f.read()
    with open(os.path.join(out, case["name"] + ".eml"), "wb") as f:
        f.write(data)
    return entry


if __name__ == "__main__":
    main()
