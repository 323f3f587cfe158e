package org.streamail.core.internal.delivery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/** What the delivery tests configure with: a {@link DeliveryConfig} from a map, and secret files with a mode. */
final class DeliveryConfigs {

    private DeliveryConfigs() {
    }

    /** The configuration DS would hand over: each method answers its value in the map, else its default. */
    static DeliveryConfig of(Map<String, Object> values) {
        return (DeliveryConfig) java.lang.reflect.Proxy.newProxyInstance(DeliveryConfig.class.getClassLoader(),
                new Class<?>[] {DeliveryConfig.class}, (proxy, method, args) -> values.containsKey(method.getName())
                        ? values.get(method.getName()) : method.getDefaultValue());
    }

    /** A password file as an administrator writes it ({@code echo secret > file}, then {@code chmod}). */
    static Path passwordFile(Path dir, String name, String password, String mode) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, password + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }
}
