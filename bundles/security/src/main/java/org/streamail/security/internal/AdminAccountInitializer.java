package org.streamail.security.internal;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.apache.karaf.jaas.modules.Encryption;
import org.apache.karaf.jaas.modules.EncryptionService;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;

/**
 * Ensures the administrator account exists in the {@code karaf} JAAS realm on first boot (DESIGN.md,
 * "Security defaults": no default passwords). Runs once at activation on the DS thread, provides no service.
 * The password is {@code STREAMAIL_ADMIN_PASSWORD} from the environment when set, else a random one written
 * to {@code ${karaf.data}/streamail/initial-admin-password} (mode 600) whose path is logged at WARN. Only its
 * hash reaches {@code etc/users.properties}, in the format Karaf's properties login module checks (its
 * basic digest, or the encryption service named in {@code etc/org.apache.karaf.jaas.cfg}, bcrypt in the
 * distribution). An
 * existing admin is never changed. Failures are logged, never thrown: the gateway still boots, and the log
 * says why there is no admin.
 */
@Component(immediate = true, configurationPid = AdminAccountInitializer.PID)
@Designate(ocd = AdminAccountConfig.class)
public class AdminAccountInitializer {

    static final String ENV_PASSWORD = "STREAMAIL_ADMIN_PASSWORD";
    static final String PID = "org.streamail.security";
    private static final Logger LOG = LoggerFactory.getLogger(AdminAccountInitializer.class);

    private static final long SERVICE_WAIT_MS = 30_000;

    @Activate
    public AdminAccountInitializer(AdminAccountConfig config, BundleContext context, Map<String, Object> properties) {
        checkProperties(properties);
        String etc = System.getProperty("karaf.etc", "etc");
        String data = System.getProperty("karaf.data", "data");
        Path usersFile = Path.of(orDefault(config.users_file(), etc + "/users.properties"));
        Path jaasCfg = Path.of(orDefault(config.jaas_config_file(), etc + "/org.apache.karaf.jaas.cfg"));
        Path passwordFile = Path.of(orDefault(config.password_file(), data + "/streamail/initial-admin-password"));
        try {
            AdminBootstrap bootstrap = new AdminBootstrap(new UsersFile(usersFile),
                    PasswordHasher.fromJaasConfig(jaasCfg, (name, params) -> findEncryption(context, name, params)),
                    passwordFile, new SecureRandom());
            switch (bootstrap.ensureAdmin(config.admin_user(), config.admin_group(), System.getenv(ENV_PASSWORD))) {
                case EXISTED -> LOG.debug("Admin user '{}' already exists in {}", config.admin_user(), usersFile);
                case CREATED_FROM_ENV -> LOG.info("Created admin user '{}' in {} with the password from {}",
                        config.admin_user(), usersFile, ENV_PASSWORD);
                case CREATED_WITH_GENERATED_PASSWORD -> LOG.warn(
                        "Created admin user '{}' with a generated password, written once to {} (mode 600). "
                                + "Read it, change it (jaas:realm-manage --realm karaf, jaas:user-add admin <new>, "
                                + "jaas:update) and delete the file.",
                        config.admin_user(), passwordFile.toAbsolutePath());
            }
        } catch (Exception e) {
            LOG.error("Could not ensure the admin user '{}' in {}: {}", config.admin_user(), usersFile, e.getMessage(), e);
        }
    }

    /**
     * Checks the raw properties strictly ({@link ConfigCheck}) and logs each key nothing reads: a misspelled
     * {@code admin.user} would silently create the admin under the default name. Every property is a String,
     * so no value is refused. Returns the unknown keys.
     */
    static List<String> checkProperties(Map<String, ?> properties) {
        List<String> unknown = ConfigCheck.check(PID, AdminAccountConfig.class, properties);
        unknown.forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", PID, k));
        return unknown;
    }

    /**
     * The named Karaf encryption service's hashing function. The service's bundle normally starts before
     * ours (start level 30), but a feature install may bring it a little later: wait for it, bounded.
     */
    static UnaryOperator<String> findEncryption(BundleContext context, String name, Map<String, String> params) {
        long deadline = System.currentTimeMillis() + SERVICE_WAIT_MS;
        while (true) {
            try {
                Collection<ServiceReference<EncryptionService>> refs =
                        context.getServiceReferences(EncryptionService.class, "(name=" + name + ")");
                for (ServiceReference<EncryptionService> ref : refs) {
                    EncryptionService service = context.getService(ref);
                    if (service == null) {
                        continue;
                    }
                    try {
                        Encryption encryption = service.createEncryption(params);
                        if (encryption != null) {
                            return encryption::encryptPassword;
                        }
                    } finally {
                        context.ungetService(ref);
                    }
                }
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException("bad encryption.name '" + name + "'", e);
            }
            if (System.currentTimeMillis() > deadline) {
                return null;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
