package org.streamail.detect.auth.internal;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.detect.Detector;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Finding;
import org.streamail.detect.auth.internal.dns.Dns;
import org.streamail.detect.auth.internal.dns.DnsJavaResolver;

/**
 * The {@code auth} detector: SPF, DKIM and DMARC of inbound mail (see {@link AuthChecker} for what it reports).
 *
 * <p>Lifecycle: activated with PID {@value AuthConfig#PID}; a configuration change re-creates it with a new
 * resolver (and an empty DNS cache). A bad value fails activation with a message naming the property, and the
 * detector stays away until it is fixed. Also registered as {@link AuthDns}: the DKIM signing component checks the
 * published signing keys through the same DNS servers ({@code streamail:dkim-status}). Threading: {@link #inspect}
 * runs concurrently; the checker and the resolver are thread-safe.
 */
@Component(service = {Detector.class, AuthDns.class}, configurationPid = AuthConfig.PID)
@Designate(ocd = AuthConfig.class)
public final class AuthDetector implements Detector, AuthDns {

    private static final Logger LOG = LoggerFactory.getLogger(AuthDetector.class);

    private final AuthChecker checker;
    private final AuthSettings settings;

    @Activate
    public AuthDetector(AuthConfig config, Map<String, Object> properties) {
        ConfigCheck.check(AuthConfig.PID, AuthConfig.class, properties)
                .forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", AuthConfig.PID, k));
        AuthSettings settings = AuthSettings.from(config);
        this.settings = settings;
        this.checker = new AuthChecker(settings, new DnsJavaResolver(settings.dnsServers(), settings.dnsTimeout(),
                settings.dnsCacheEntries(), settings.dnsCacheMax()), Clock.systemUTC());
        LOG.info("Sender authentication {}: DNS {}, authserv-id {}, {} trusted relays",
                settings.enabled() ? "on" : "off",
                settings.dnsServers().isEmpty() ? "from the system's resolver configuration" : settings.dnsServers(),
                settings.authservId(), settings.trustedRelays().size());
    }

    @Override
    public String name() {
        return AuthChecker.DETECTOR;
    }

    @Override
    public List<Finding> inspect(Inspection inspection) {
        return checker.check(inspection);
    }

    @Override
    public Dns uncached() {
        return new DnsJavaResolver(settings.dnsServers(), settings.dnsTimeout(), 0, settings.dnsCacheMax());
    }

    @Override
    public String describe() {
        return settings.dnsServers().isEmpty() ? "the system's (/etc/resolv.conf)"
                : settings.dnsServers().stream().map(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
                        .collect(java.util.stream.Collectors.joining(", "));
    }
}
