/**
 * A local HTTP CONNECT proxy for tests: tunnels every CONNECT to its target and records what passed, so a test
 * can prove that a client's HTTP requests and WebSocket went through it (the first bytes of a tunnel tell a plain
 * WebSocket upgrade from a TLS handshake).
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

export interface ProxyTunnel {
  /** host:port the client asked for. */
  target: string;
  /** The first bytes the client sent inside the tunnel (latin1), e.g. "GET /ws?… Upgrade: websocket" or a TLS ClientHello. */
  firstBytes: string;
  /** TLS ClientHello (0x16 0x03 …) rather than plain HTTP. */
  tls: boolean;
}

export interface ConnectProxy {
  url: string;
  tunnels: ProxyTunnel[];
  /** Plain (non-CONNECT) requests, which this proxy refuses: everything must tunnel. */
  refused: string[];
  close(): Promise<void>;
}

export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: ProxyTunnel[] = [];
  const refused: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    refused.push(`${req.method} ${req.url}`);
    res.writeHead(405).end('CONNECT only');
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? '';
    const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
    const tunnel: ProxyTunnel = { target, firstBytes: '', tls: false };
    tunnels.push(tunnel);
    const upstream = net.connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    // Keep the start of what the client sent (a request head ends at the first blank line; cap at 16 KB).
    const head16k = (chunk: Buffer) => {
      if (!tunnel.firstBytes) tunnel.tls = chunk[0] === 0x16;
      tunnel.firstBytes = (tunnel.firstBytes + chunk.toString('latin1')).slice(0, 16_384);
      if (tunnel.tls || tunnel.firstBytes.includes('\r\n\r\n') || tunnel.firstBytes.length >= 16_384) client.off('data', head16k);
    };
    client.on('data', head16k);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
