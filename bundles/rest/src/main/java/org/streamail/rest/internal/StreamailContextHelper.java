package org.streamail.rest.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.alert.AlertService;
import org.streamail.api.config.ConfigCheck;
import org.streamail.rest.internal.auth.Authenticator;
import org.streamail.rest.internal.auth.BasicAuthGate;
import org.streamail.rest.internal.auth.CachingAuthenticator;
import org.streamail.rest.internal.auth.JaasAuthenticator;
import org.streamail.rest.internal.auth.LockoutAlarm;
import org.streamail.rest.internal.auth.LoginThrottle;
import org.streamail.rest.internal.http.ClientAddress;
import org.streamail.rest.internal.json.JsonMapping;

/**
 * The {@code streamail} servlet context at {@code /streamail}: every request in it is authenticated with
 * HTTP Basic against the JAAS realm (PID {@code org.streamail.rest}, {@code jaas.realm}) before any servlet
 * sees it. On success the user name goes to {@link ServletContextHelper#REMOTE_USER} and the user with
 * roles to {@link #USER_ATTRIBUTE}; otherwise 401 with a challenge, 403 without an API role, 429 with
 * {@code Retry-After} while the client address is locked out for failed logins ({@link LoginThrottle}), or
 * 503 when the realm is unavailable or a login waited too long behind the other logins from its address (then
 * with {@code Retry-After: 1}) — each with a JSON error body. A lockout is logged and, when an
 * {@link AlertService} is registered (optional, dynamic, greedy reference: REST works without the reporting
 * bundle), raised as a {@code rest-login-throttled} alert. Thread-safe.
 *
 * <p>The client address everything above is keyed on comes from {@link ClientAddress}: the TCP peer, or behind
 * a reverse proxy listed in {@code trusted.proxies} the client that proxy names in its forwarding header. It is
 * also put in the request attribute {@link #CLIENT_ADDRESS_ATTRIBUTE} for the servlets.
 *
 * <p>Configuration: the raw properties are checked strictly before they are read ({@link #checkProperties}); this
 * component, not {@link ApiServlet} on the same PID, logs the keys nothing reads, so each is logged once.
 */
@Component(service = ServletContextHelper.class, configurationPid = RestConfiguration.PID)
@HttpWhiteboardContext(name = StreamailContextHelper.CONTEXT_NAME, path = "/streamail")
public class StreamailContextHelper extends ServletContextHelper {

    /** Name of the servlet context; servlets select it with {@code osgi.http.whiteboard.context.name}. */
    public static final String CONTEXT_NAME = "streamail";

    /** Request attribute holding the {@link org.streamail.rest.internal.auth.AuthenticatedUser}. */
    public static final String USER_ATTRIBUTE = "org.streamail.rest.user";

    /** Request attribute holding the client address (a String) the request was throttled under. */
    public static final String CLIENT_ADDRESS_ATTRIBUTE = "org.streamail.rest.clientAddress";

    private static final Logger LOG = LoggerFactory.getLogger(StreamailContextHelper.class);

    /** Asked at each lockout; package-private so tests can set it. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    volatile AlertService alertService;

    private final BasicAuthGate gate;
    private final ClientAddress clientAddress;

    /**
     * @throws IllegalArgumentException naming the property when a value does not parse (a number such as
     *                                  {@code 60s}), a throttle setting is out of range or a trusted proxy entry
     *                                  is bad (the component then does not activate, and SCR logs the message)
     */
    @Activate
    public StreamailContextHelper(RestConfiguration config, Map<String, Object> properties) {
        this(ClientAddress.configured(checked(config, properties).trusted_proxies(),
                config.trusted_proxies_header()), config);
        LOG.info("REST API client addresses: {}", clientAddress);
    }

    /** For tests: activated with {@code config} alone (no raw properties to check). */
    StreamailContextHelper(RestConfiguration config) {
        this(config, Map.of());
    }

    /** Checks the raw properties ({@link #checkProperties}) before any config method is read; returns config. */
    private static RestConfiguration checked(RestConfiguration config, Map<String, Object> properties) {
        checkProperties(properties);
        return config;
    }

    /**
     * Checks the raw properties strictly before DS converts them ({@code auth.max.failures = ten} would fail
     * without naming the property) and logs each key nothing reads (a probable typo: a misspelled
     * {@code trusted.proxies} would silently trust no proxy). Returns those keys.
     *
     * @throws IllegalArgumentException naming the PID and the property at the first value that does not parse
     */
    static List<String> checkProperties(Map<String, ?> properties) {
        List<String> unknown = ConfigCheck.check(RestConfiguration.PID, RestConfiguration.class, properties);
        unknown.forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", RestConfiguration.PID, k));
        return unknown;
    }

    private StreamailContextHelper(ClientAddress clientAddress, RestConfiguration config) {
        this(new CachingAuthenticator(new JaasAuthenticator(config.jaas_realm()),
                Duration.ofSeconds(Math.max(0, config.auth_cache_seconds())), config.auth_cache_size(),
                Clock.systemUTC()),
                new LoginThrottle.Settings(config.auth_max_failures(), config.auth_failure_window_seconds(),
                        config.auth_throttle_max_addresses()),
                Clock.systemUTC(), clientAddress);
    }

    /** For tests: authenticate with a given authenticator, default throttle settings. */
    StreamailContextHelper(Authenticator authenticator) {
        this(authenticator, LoginThrottle.Settings.DEFAULTS, Clock.systemUTC());
    }

    /** For tests: a given authenticator, throttle settings and clock. */
    StreamailContextHelper(Authenticator authenticator, LoginThrottle.Settings throttle, Clock clock) {
        this(authenticator, throttle, clock, ClientAddress.DIRECT);
    }

    /** For tests: a given authenticator, throttle settings, clock and client address resolution. */
    StreamailContextHelper(Authenticator authenticator, LoginThrottle.Settings throttle, Clock clock,
            ClientAddress clientAddress) {
        this.clientAddress = Objects.requireNonNull(clientAddress, "clientAddress");
        this.gate = new BasicAuthGate(authenticator, new LoginThrottle(throttle, clock),
                new LockoutAlarm(() -> alertService));
    }

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String client = clientAddress.of(request);
        request.setAttribute(CLIENT_ADDRESS_ATTRIBUTE, client);
        BasicAuthGate.Decision decision = gate.check(request.getHeader("Authorization"), client);
        if (decision instanceof BasicAuthGate.Allowed allowed) {
            request.setAttribute(REMOTE_USER, allowed.user().name());
            request.setAttribute(AUTHENTICATION_TYPE, HttpServletRequest.BASIC_AUTH);
            request.setAttribute(USER_ATTRIBUTE, allowed.user());
            return true;
        }
        BasicAuthGate.Refused refused = (BasicAuthGate.Refused) decision;
        if (refused.status() == 401) {
            response.setHeader("WWW-Authenticate", BasicAuthGate.CHALLENGE);
        }
        if (refused.retryAfterSeconds() > 0) {
            response.setHeader("Retry-After", Long.toString(refused.retryAfterSeconds()));
        }
        byte[] body = JsonMapping.error(refused.status(), refused.message()).toString()
                .getBytes(StandardCharsets.UTF_8);
        response.setStatus(refused.status());
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        return false;
    }
}
