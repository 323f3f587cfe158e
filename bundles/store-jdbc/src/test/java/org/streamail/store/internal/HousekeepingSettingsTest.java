package org.streamail.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The configuration of {@code org.streamail.store.housekeeping} as DS hands it over: defaults and validation. */
class HousekeepingSettingsTest {

    /** A config as DS builds it from properties: the given values by property name, else the defaults. */
    private static HousekeepingConfig config(Map<String, Object> values) {
        return (HousekeepingConfig) Proxy.newProxyInstance(HousekeepingConfig.class.getClassLoader(),
                new Class<?>[] {HousekeepingConfig.class}, (proxy, method, args) -> {
                    String property = method.getName().replace('_', '.');
                    return values.containsKey(property) ? values.get(property) : method.getDefaultValue();
                });
    }

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        HousekeepingSettings s = HousekeepingSettings.from(config(Map.of()));
        assertThat(s).isEqualTo(HousekeepingSettings.defaults());
        assertThat(s.messageLogDays()).isEqualTo(90);
        assertThat(s.alertsDays()).isEqualTo(180);
        assertThat(s.linkDeliveriesDays()).isEqualTo(30);
        assertThat(s.clicksDays()).isEqualTo(90);
        assertThat(s.quarantineReleasedDays()).isEqualTo(30);
        assertThat(s.quarantineHeldDays()).isZero();
        assertThat(s.auditDays()).isEqualTo(365);
        assertThat(s.spamPendingDays()).isEqualTo(90);
        assertThat(s.spamExpiredRulesDays()).isEqualTo(30);
        assertThat(s.spamTrainedDays()).isZero();
        assertThat(s.spamSeenDays()).isEqualTo(30);
        assertThat(s.interval()).isEqualTo(Duration.ofHours(24));
        assertThat(s.batchSize()).isEqualTo(1000);
    }

    @Test
    void zeroAndSetValuesAreTaken() {
        HousekeepingSettings s = HousekeepingSettings.from(config(Map.of("message.log.days", 0,
                "quarantine.held.days", 30, "interval.hours", 6, "batch.size", 10)));
        assertThat(s.messageLogDays()).isZero();
        assertThat(s.quarantineHeldDays()).isEqualTo(30);
        assertThat(s.interval()).isEqualTo(Duration.ofHours(6));
        assertThat(s.batchSize()).isEqualTo(10);
    }

    @ParameterizedTest
    @ValueSource(strings = {"message.log.days", "alerts.days", "link.deliveries.days", "clicks.days",
        "quarantine.released.days", "quarantine.held.days", "audit.days", "spam.pending.days",
        "spam.expired.rules.days", "spam.trained.days", "spam.seen.days"})
    void aNegativeOrAbsurdNumberOfDaysIsRefusedNamingTheProperty(String property) {
        assertThatThrownBy(() -> HousekeepingSettings.from(config(Map.of(property, -1))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("org.streamail.store.housekeeping: " + property + " must be")
                .hasMessageContaining("-1");
        assertThatThrownBy(() -> HousekeepingSettings.from(config(Map.of(property, 36_501))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(property);
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, 8761})
    void anIntervalOutsideOneHourToAYearIsRefused(int hours) {
        assertThatThrownBy(() -> HousekeepingSettings.from(config(Map.of("interval.hours", hours))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval.hours")
                .hasMessageContaining(String.valueOf(hours));
    }

    @ParameterizedTest
    @ValueSource(ints = {-5, 9, 100_001})
    void aBatchSizeOutsideTenToOneHundredThousandIsRefused(int size) {
        assertThatThrownBy(() -> HousekeepingSettings.from(config(Map.of("batch.size", size))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch.size")
                .hasMessageContaining(String.valueOf(size));
    }

    @Test
    void theComponentRefusesABadConfigurationAtActivation() {
        assertThatThrownBy(() -> new JdbcHousekeeping(new org.h2.jdbcx.JdbcDataSource(),
                config(Map.of("alerts.days", -3)), Map.of("alerts.days", -3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alerts.days");
    }

    @Test
    void aNumberWrittenAs30DaysFailsActivationNamingThePropertyBeforeDsConvertsIt() {
        HousekeepingConfig unread = (HousekeepingConfig) Proxy.newProxyInstance(
                HousekeepingConfig.class.getClassLoader(), new Class<?>[] {HousekeepingConfig.class}, (p, m, a) -> {
                    throw new AssertionError("config read before the check: " + m.getName());
                });
        assertThatThrownBy(() -> new JdbcHousekeeping(new org.h2.jdbcx.JdbcDataSource(), unread,
                Map.of("message.log.days", "30days")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.store.housekeeping: message.log.days must be a whole number, got '30days'");
        assertThatThrownBy(() -> new JdbcHousekeeping(new org.h2.jdbcx.JdbcDataSource(), unread,
                Map.of("batch.size", "99999999999")))
                .hasMessageContaining("batch.size must be a whole number from");
    }

    @Test
    void theDirectoryRefusesARefreshThatIsNoNumber() {
        DirectoryConfig unread = (DirectoryConfig) Proxy.newProxyInstance(
                DirectoryConfig.class.getClassLoader(), new Class<?>[] {DirectoryConfig.class}, (p, m, a) -> {
                    throw new AssertionError("config read before the check: " + m.getName());
                });
        assertThatThrownBy(() -> new JdbcDirectory(new org.h2.jdbcx.JdbcDataSource(), unread,
                Map.of("refresh.seconds", "5s")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.streamail.directory: refresh.seconds must be a whole number, got '5s'");
    }
}
