package org.streamail.isolation.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A tiny TCP server the netns test starts inside a namespace ({@code ip netns exec ns java ...}): accepts
 * and closes every connection, prints {@code ready} once listening, exits when its stdin closes (so it
 * never outlives the test).
 */
public final class NetnsTcpServer {

    private NetnsTcpServer() {
    }

    public static void main(String[] args) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])), 50);
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // wait for the test's end of stdin
                }
            } catch (IOException e) {
                // parent gone
            }
            System.exit(0);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        System.out.println("ready");
        System.out.flush();
        while (true) {
            try (Socket s = server.accept()) {
                s.getOutputStream().write('k');
            } catch (IOException e) {
                // a client that went away: keep serving
            }
        }
    }
}
