package org.streamail.retention.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The accept loop of the test relays ({@link CuttingImapProxy}, {@link ImapResponseMeter}): listens on a free loopback
 * port and, for each client, connects to the server's loopback port and hands both sockets to the relay, which starts
 * its own pumps (with {@link #daemon}) and closes both sides when one ends ({@link #closeBoth}). Test code.
 */
final class LoopbackRelay implements AutoCloseable {

    /** Starts relaying one connection; must not block. */
    @FunctionalInterface
    interface Connection {
        void relay(Socket client, Socket server) throws IOException;
    }

    private final ServerSocket listener;

    LoopbackRelay(int serverPort, String name, Connection connection) throws IOException {
        listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        daemon(name, () -> {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), serverPort);
                    // the relays write line by line: without this, Nagle's algorithm held each later line until
                    // the peer's delayed ACK (40 ms per reply)
                    client.setTcpNoDelay(true);
                    server.setTcpNoDelay(true);
                    connection.relay(client, server);
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    int port() {
        return listener.getLocalPort();
    }

    /** Runs {@code work} on a new daemon thread. */
    static void daemon(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        t.start();
    }

    /** Closes both sides of a relayed connection. */
    static void closeBoth(Socket a, Socket b) {
        try {
            a.close();
            b.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
