package org.streamail.rest.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.Principal;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.CallbackHandler;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.FailedLoginException;
import javax.security.auth.login.LoginException;
import javax.security.auth.spi.LoginModule;
import org.junit.jupiter.api.Test;

/** A real JAAS login through a test realm whose module grants roles the way Karaf's does. */
class JaasAuthenticatorTest {

    /** Named like Karaf's role principal: the authenticator matches the class name, not the type. */
    public record TestRolePrincipal(String getName) implements Principal {
    }

    public record TestUserPrincipal(String getName) implements Principal {
    }

    /** Accepts alice/secret (admin) and victor/secret (viewer, plus a group that is not a role). */
    public static final class TestLoginModule implements LoginModule {
        private Subject subject;
        private CallbackHandler handler;
        private String user;

        @Override
        public void initialize(Subject subject, CallbackHandler handler, Map<String, ?> sharedState,
                Map<String, ?> options) {
            this.subject = subject;
            this.handler = handler;
        }

        @Override
        public boolean login() throws LoginException {
            NameCallback name = new NameCallback("user");
            PasswordCallback pass = new PasswordCallback("password", false);
            try {
                handler.handle(new Callback[] {name, pass});
            } catch (Exception e) {
                throw new LoginException(e.toString());
            }
            user = name.getName();
            if (!"secret".equals(new String(pass.getPassword()))) {
                throw new FailedLoginException("bad password");
            }
            if (!user.equals("alice") && !user.equals("victor")) {
                throw new LoginException("User does not exist");
            }
            return true;
        }

        @Override
        public boolean commit() {
            subject.getPrincipals().add(new TestUserPrincipal(user));
            subject.getPrincipals().add(new TestRolePrincipal(user.equals("alice") ? "admin" : "viewer"));
            return true;
        }

        @Override
        public boolean abort() {
            return true;
        }

        @Override
        public boolean logout() {
            return true;
        }
    }

    static final Configuration CONFIG = new Configuration() {
        @Override
        public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
            if (!name.equals("test")) {
                return null;
            }
            return new AppConfigurationEntry[] {new AppConfigurationEntry(TestLoginModule.class.getName(),
                    AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, Map.of())};
        }
    };

    @Test
    void goodCredentialsGiveTheRolePrincipalsAsRoles() {
        JaasAuthenticator jaas = new JaasAuthenticator("test", CONFIG);
        assertThat(jaas.authenticate("alice", "secret")).hasValueSatisfying(u -> {
            assertThat(u.name()).isEqualTo("alice");
            assertThat(u.roles()).containsExactly("admin");
            assertThat(u.isAdmin()).isTrue();
        });
        assertThat(jaas.authenticate("victor", "secret")).hasValueSatisfying(u -> {
            assertThat(u.isAdmin()).isFalse();
            assertThat(u.canRead()).isTrue();
        });
    }

    @Test
    void wrongPasswordOrUnknownUserIsEmpty() {
        JaasAuthenticator jaas = new JaasAuthenticator("test", CONFIG);
        assertThat(jaas.authenticate("alice", "nope")).isEmpty();
        assertThat(jaas.authenticate("mallory", "secret")).isEmpty();
    }

    @Test
    void missingRealmIsUnavailableNotAWrongPassword() {
        JaasAuthenticator jaas = new JaasAuthenticator("no-such-realm", CONFIG);
        assertThatThrownBy(() -> jaas.authenticate("alice", "secret"))
                .isInstanceOf(AuthenticationUnavailableException.class)
                .hasMessageContaining("no-such-realm");
    }
}
