"""A webhook receiver for the operations test: appends each POSTed body as one line to a file,
answering 500 to the first --fail requests (to exercise the sidecar's retries).

Usage: webhook_sink.py PORT_FILE OUT_FILE [--fail N]
"""
import argparse
import http.server
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port_file")
    ap.add_argument("out_file")
    ap.add_argument("--fail", type=int, default=0)
    args = ap.parse_args()
    state = {"fail": args.fail}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if state["fail"] > 0:
                state["fail"] -= 1
                self.send_response(500)
                self.end_headers()
                return
            with open(args.out_file, "a") as out:
                out.write(json.dumps(json.loads(body), sort_keys=True) + "\n")
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
