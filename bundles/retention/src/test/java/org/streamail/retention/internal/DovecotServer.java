package org.streamail.retention.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Dovecot for tests: a generated configuration in a temporary folder (passwd-file users and a
 * master user, maildirs under the folder, plain IMAP on a free loopback port with {@code ssl = no}), run
 * in the foreground with {@code dovecot -F -c <conf>} and stopped with the test. Needs Debian's
 * {@code dovecot-imapd}; {@link #available()} says whether it is installed.
 */
final class DovecotServer implements AutoCloseable {

    static final Path BINARY = Path.of("/usr/sbin/dovecot");
    static final String MASTER_USER = "sweeper";
    static final String MASTER_PASSWORD = "master-secret";

    private static final int NOBODY = 65534;

    private final Process process;
    private final Path dir;
    final int port;

    static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** Whether a missing Dovecot must fail the tests instead of skipping them. */
    static boolean required() {
        String v = System.getProperty("STREAMAIL_REQUIRE_DOVECOT", System.getenv("STREAMAIL_REQUIRE_DOVECOT"));
        return "true".equalsIgnoreCase(v);
    }

    /**
     * Starts Dovecot with the given users (all with {@code password}) and waits until it accepts connections.
     */
    DovecotServer(Path dir, List<String> users, String password) throws IOException, InterruptedException {
        this(dir, users, password, DEFAULT_NAMESPACES);
    }

    /** One personal namespace without a prefix, hierarchy separator {@code /}. */
    static final String DEFAULT_NAMESPACES = """
            namespace inbox {
              inbox = yes
              separator = /
            }
            """;

    /**
     * Starts Dovecot with the given users and {@code namespaces} (configuration text with the namespace
     * blocks, and any {@code mail_plugins} they need, in place of {@link #DEFAULT_NAMESPACES}; {@code %1$s}
     * is the server's folder). Files the test put under {@code home} before are given to the mail user too.
     */
    DovecotServer(Path dir, List<String> users, String password, String namespaces)
            throws IOException, InterruptedException {
        this.dir = dir;
        this.port = freePort();
        // Dovecot's unprivileged processes (auth as 'dovecot', mail as the file owner) must reach the files.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        int gid = (Integer) Files.getAttribute(dir, "unix:gid");
        Files.createDirectories(dir.resolve("mail"));
        Files.createDirectories(dir.resolve("home"));
        if (uid == 0) {
            // Dovecot refuses to run mail processes as root: as root (CI containers), use nobody/nogroup.
            uid = NOBODY;
            gid = NOBODY;
            for (String d : List.of("mail", "home")) {
                try (var walk = Files.walk(dir.resolve(d))) {
                    for (Path p : walk.toList()) {
                        Files.setAttribute(p, "unix:uid", uid);
                        Files.setAttribute(p, "unix:gid", gid);
                    }
                }
            }
        }
        StringBuilder passwd = new StringBuilder();
        for (String u : users) {
            passwd.append(u).append(":{PLAIN}").append(password).append(':').append(uid).append(':').append(gid)
                    .append("::").append(dir.resolve("home").resolve(u)).append("::\n");
        }
        write("users", passwd.toString());
        write("masters", MASTER_USER + ":{PLAIN}" + MASTER_PASSWORD + "\n");
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));
        String conf = """
                base_dir = %1$s/run
                state_dir = %1$s/state
                log_path = %1$s/dovecot.log
                info_log_path = %1$s/dovecot.log
                protocols = imap
                listen = 127.0.0.1
                ssl = no
                disable_plaintext_auth = no
                auth_mechanisms = plain login
                auth_master_user_separator = *
                mail_location = maildir:%1$s/mail/%%u
                mail_privileged_group =
                %3$s
                passdb {
                  driver = passwd-file
                  args = %1$s/masters
                  master = yes
                  result_success = continue
                }
                passdb {
                  driver = passwd-file
                  args = %1$s/users
                }
                userdb {
                  driver = passwd-file
                  args = %1$s/users
                }
                service imap-login {
                  inet_listener imap {
                    address = 127.0.0.1
                    port = %2$d
                  }
                  inet_listener imaps {
                    port = 0
                  }
                }
                service anvil {
                  chroot =
                }
                service imap-login {
                  chroot =
                }
                service stats {
                  unix_listener stats-reader {
                    mode = 0666
                  }
                  unix_listener stats-writer {
                    mode = 0666
                  }
                }
                """.formatted(dir, port, namespaces.formatted(dir));
        write("dovecot.conf", conf);
        process = new ProcessBuilder(BINARY.toString(), "-F", "-c", dir.resolve("dovecot.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("dovecot.out").toFile()).start();
        waitForPort();
    }

    private void write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private void waitForPort() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("dovecot exited with " + process.exitValue() + ": " + log());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IOException("dovecot did not listen on " + port + " within 20 s: " + log());
    }

    String log() {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("dovecot.out", "dovecot.log")) {
            try {
                sb.append(Files.readString(dir.resolve(f))).append('\n');
            } catch (IOException e) {
                sb.append("(no ").append(f).append(")\n");
            }
        }
        return sb.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy(); // SIGTERM: dovecot stops its children
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
