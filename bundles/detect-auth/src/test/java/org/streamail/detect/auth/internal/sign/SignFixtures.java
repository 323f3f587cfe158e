package org.streamail.detect.auth.internal.sign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.streamail.api.delivery.OutboundMessage;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;

/** What the signing tests share: configurations as DS hands them over, key files with a mode, outbound messages. */
final class SignFixtures {

    private SignFixtures() {
    }

    /** The configuration DS would hand over: each method answers its value in the map, else its default. */
    static DkimSignConfig config(Map<String, Object> values) {
        return (DkimSignConfig) java.lang.reflect.Proxy.newProxyInstance(DkimSignConfig.class.getClassLoader(),
                new Class<?>[] {DkimSignConfig.class}, (proxy, method, args) -> values.containsKey(method.getName())
                        ? values.get(method.getName()) : method.getDefaultValue());
    }

    static KeyPair keyPair(String algorithm, int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        if (bits > 0) {
            g.initialize(bits);
        }
        return g.generateKeyPair();
    }

    /** A PKCS#8 PEM file of {@code key} with {@code mode}, as {@code openssl genpkey} and {@code chmod} leave it. */
    static Path keyFile(Path dir, String name, PrivateKey key, String mode) throws IOException {
        return file(dir, name, PemKeys.pem(key), mode);
    }

    static Path file(Path dir, String name, byte[] content, String mode) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    static Path file(Path dir, String name, String content, String mode) throws IOException {
        return file(dir, name, content.getBytes(StandardCharsets.US_ASCII), mode);
    }

    /** An outbound message from {@code sender} with {@code raw} as its final bytes. */
    static OutboundMessage outbound(String sender, String raw) {
        return new OutboundMessage("o1", new Envelope(sender, List.of("partner@far.example"), "10.1.2.3", "exch01",
                false, Instant.now(), Direction.OUTBOUND, null), Content.of(raw.getBytes(StandardCharsets.UTF_8)));
    }

    /** A message as it leaves the gateway, From {@code from}. */
    static String message(String from, String subject) {
        return "Received: by gw.example.org (Streamail) with ESMTP id o1; Mon, 7 Dec 2026 12:00:00 +0000\r\n"
                + "From: " + from + "\r\nTo: Partner <partner@far.example>\r\nSubject: " + subject + "\r\n"
                + "Date: Mon, 7 Dec 2026 11:59:00 +0000\r\nMessage-ID: <sm1.x@example.org>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\nHello,\r\n\r\nthe figures  are attached.\r\n";
    }
}
