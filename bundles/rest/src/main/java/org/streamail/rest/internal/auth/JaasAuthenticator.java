package org.streamail.rest.internal.auth;

import java.security.Principal;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.Subject;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;

/**
 * Authenticates against a JAAS realm (Karaf's {@code karaf} realm by default). Roles are the names of the
 * subject's principals whose class name ends with {@code RolePrincipal}; matching on the name rather than on
 * {@code org.apache.karaf.jaas.boot.principal.RolePrincipal} keeps this bundle free of a Karaf dependency.
 * Thread-safe: every call has its own {@link LoginContext}.
 */
public final class JaasAuthenticator implements Authenticator {

    private final String realm;
    private final Configuration configuration;

    /** Authenticates against {@code realm} in the JVM's JAAS configuration (Karaf installs its own). */
    public JaasAuthenticator(String realm) {
        this(realm, null);
    }

    /** Authenticates against {@code realm} in the given configuration ({@code null}: the JVM's). */
    JaasAuthenticator(String realm, Configuration configuration) {
        this.realm = realm;
        this.configuration = configuration;
    }

    @Override
    public Optional<AuthenticatedUser> authenticate(String user, String password) {
        Subject subject = new Subject();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        // LoginContext loads the realm's login module class through the context class loader; the web
        // server's request thread has one that cannot see Karaf's proxy login module, ours imports it.
        thread.setContextClassLoader(JaasAuthenticator.class.getClassLoader());
        try {
            CallbackHandler handler = callbacks -> answer(callbacks, user, password);
            LoginContext context = configuration == null
                    ? new LoginContext(realm, subject, handler)
                    : new LoginContext(realm, subject, handler, configuration);
            context.login();
        } catch (javax.security.auth.login.FailedLoginException
                | javax.security.auth.login.AccountException
                | javax.security.auth.login.CredentialException e) {
            return Optional.empty();
        } catch (LoginException e) {
            // Karaf's modules throw a plain LoginException for an unknown user or wrong password too; only
            // a missing realm is a configuration problem worth a 503.
            if (e.getMessage() != null && e.getMessage().contains("No LoginModules configured")) {
                throw new AuthenticationUnavailableException("JAAS realm '" + realm + "' is not available", e);
            }
            return Optional.empty();
        } catch (SecurityException e) {
            throw new AuthenticationUnavailableException("JAAS realm '" + realm + "' is not available", e);
        } finally {
            thread.setContextClassLoader(previous);
        }
        return Optional.of(new AuthenticatedUser(user, rolesOf(subject)));
    }

    /** Role names of a subject: principals whose class name ends with {@code RolePrincipal}. */
    static Set<String> rolesOf(Subject subject) {
        Set<String> roles = new HashSet<>();
        for (Principal p : subject.getPrincipals()) {
            if (p.getClass().getSimpleName().endsWith("RolePrincipal") && p.getName() != null) {
                roles.add(p.getName());
            }
        }
        return roles;
    }

    private static void answer(Callback[] callbacks, String user, String password)
            throws UnsupportedCallbackException {
        for (Callback callback : callbacks) {
            if (callback instanceof NameCallback name) {
                name.setName(user);
            } else if (callback instanceof PasswordCallback pass) {
                pass.setPassword(password.toCharArray());
            } else {
                throw new UnsupportedCallbackException(callback);
            }
        }
    }
}
