package io.ctflow.cli.lab;

/**
 * The small python3 programs run inside the pods with {@code ip netns exec POD python3 -c ...}.
 * Both are bounded: the server by a lifetime, a request count and its stdin (EOF: the JVM is gone),
 * the client by one deadline for the whole exchange.
 */
final class PodScripts {
    private PodScripts() {}

    /**
     * argv: lifetime-seconds pod-name tcp-port [udp-port]. An HTTP/1.0 answer per TCP connection,
     * an echo per UDP datagram. Prints "ready" once bound.
     */
    static final String SERVER = """
            import os, select, socket, sys, time
            deadline = time.monotonic() + float(sys.argv[1])
            name = sys.argv[2]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tcp.bind(("0.0.0.0", int(sys.argv[3])))
            tcp.listen(16)
            socks = [tcp]
            udp = None
            if len(sys.argv) > 4:
                udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                udp.bind(("0.0.0.0", int(sys.argv[4])))
                socks.append(udp)
            print("ready", flush=True)
            served = 0
            while served < 256:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                r, _, _ = select.select(socks + [0], [], [], min(left, 1.0))
                if 0 in r and not os.read(0, 512):
                    break
                if udp is not None and udp in r:
                    data, peer = udp.recvfrom(2048)
                    udp.sendto(data, peer)
                    served += 1
                if tcp in r:
                    conn, peer = tcp.accept()
                    served += 1
                    conn.settimeout(2.0)
                    try:
                        req = b""
                        while b"\\r\\n\\r\\n" not in req and len(req) < 8192:
                            chunk = conn.recv(4096)
                            if not chunk:
                                break
                            req += chunk
                        body = ("hello from pod %s\\n" % name).encode()
                        conn.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n" % len(body) + body)
                    except OSError:
                        pass
                    finally:
                        conn.close()
            """;

    /**
     * argv: tcp|udp host port timeout-seconds. One TCP connection with an HTTP/1.0 GET, or one
     * datagram on an unconnected UDP socket (sendto/recvfrom: a reply from any address is read,
     * as a resolver that does not connect its socket would). Prints "ok ..." (exit 0) or
     * "failed ..." (exit 1).
     */
    static final String CLIENT = """
            import socket, sys, time
            proto, host, port, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
            deadline = time.monotonic() + timeout
            def left():
                t = deadline - time.monotonic()
                if t <= 0:
                    raise socket.timeout("timed out")
                return t
            try:
                if proto == "tcp":
                    s = socket.create_connection((host, port), timeout=left())
                    s.sendall(b"GET / HTTP/1.0\\r\\nHost: " + host.encode() + b"\\r\\n\\r\\n")
                    data = b""
                    while True:
                        s.settimeout(left())
                        chunk = s.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                    s.close()
                    status = data.split(b"\\r\\n", 1)[0].decode(errors="replace")
                    if not status.startswith("HTTP/1.0 200"):
                        print("failed: unexpected answer %r" % status)
                        sys.exit(1)
                    body = data.split(b"\\r\\n\\r\\n", 1)[-1].decode(errors="replace").strip()
                    print("ok: %s" % body)
                else:
                    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    s.settimeout(left())
                    s.sendto(b"ctflow-lab", (host, port))
                    data, peer = s.recvfrom(2048)
                    note = "" if (peer[0], peer[1]) == (host, port) else " (not from the address it was sent to)"
                    print("ok: echo from %s:%d%s" % (peer[0], peer[1], note))
            except Exception as e:
                print("failed: %s" % (str(e) or type(e).__name__))
                sys.exit(1)
            """;
}
