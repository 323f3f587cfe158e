package org.streamail.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigCheckTest {

    enum Mode { BLOCK, QUARANTINE }

    @interface Sample {
        boolean enabled() default true;

        int message_log_days() default 90;

        long max_message_size() default 10L;

        short tries() default 3;

        byte level() default 1;

        double block_score() default 5.0;

        float ratio() default 0.5f;

        Mode mode() default Mode.BLOCK;

        String name() default "";

        int[] ports() default {25};

        boolean[] flags() default {};

        String[] internal_networks() default {};

        String DataSource_target() default "(x=y)";
    }

    @interface Names {
        String a__b();

        String dollar$();

        String dollar$$sign();

        String dash$_$ed();

        String plain();

        String DataSource_target();
    }

    @interface Prefixed {
        String PREFIX_ = "streamail.";

        int port() default 25;
    }

    @interface MaxSize {
        long value();

        boolean strict() default false;
    }

    private static Map<String, Object> props(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static List<String> check(Object... kv) {
        return ConfigCheck.check("org.example", Sample.class, props(kv));
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "false", "TRUE", "False"})
    void booleanShouldAcceptTrueAndFalseInAnyCase(String value) {
        assertThat(check("enabled", value)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "on", "1", "ture", "", "enabled"})
    void booleanShouldRefuseAnythingButTrueOrFalseNamingTheProperty(String value) {
        assertThatThrownBy(() -> check("enabled", value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.example: enabled must be true or false, got '" + value + "'");
    }

    @Test
    void booleanWithSpacesAroundItShouldBeRefusedBecauseDsWouldReadItAsFalse() {
        assertThatThrownBy(() -> check("enabled", "true "))
                .hasMessage("org.example: enabled must be true or false with no spaces around it, got 'true '");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "7", "-3", "+12", "2147483647", "-2147483648"})
    void intShouldAcceptWholeNumbersInRange(String value) {
        assertThat(check("message.log.days", value)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "30days", "1.5", "", "0x10", "1e3"})
    void intShouldRefuseWhatIsNotAWholeNumberNamingTheProperty(String value) {
        assertThatThrownBy(() -> check("message.log.days", value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("org.example: message.log.days must be a whole number, got '" + value + "'");
    }

    @Test
    void intOutOfRangeShouldBeRefusedWithTheRange() {
        assertThatThrownBy(() -> check("message.log.days", "2147483648"))
                .hasMessage("org.example: message.log.days must be a whole number from -2147483648 to 2147483647, "
                        + "got '2147483648'");
    }

    @Test
    void intWithSpacesAroundItShouldBeRefusedBecauseDsCannotParseIt() {
        assertThatThrownBy(() -> check("message.log.days", " 7"))
                .hasMessageContaining("message.log.days must be a whole number with no spaces around it");
    }

    @Test
    void longShouldAcceptItsWholeRangeAndRefuseBeyond() {
        assertThat(check("max.message.size", "9223372036854775807")).isEmpty();
        assertThatThrownBy(() -> check("max.message.size", "9223372036854775808"))
                .hasMessageContaining("max.message.size must be a whole number from");
        assertThatThrownBy(() -> check("max.message.size", "25MB"))
                .hasMessage("org.example: max.message.size must be a whole number, got '25MB'");
    }

    @Test
    void shortAndByteShouldCheckTheirOwnRange() {
        assertThat(check("tries", "32767", "level", "-128")).isEmpty();
        assertThatThrownBy(() -> check("tries", "32768")).hasMessageContaining("tries must be a whole number from");
        assertThatThrownBy(() -> check("level", "128")).hasMessageContaining("level must be a whole number from");
    }

    @Test
    void doubleAndFloatShouldAcceptDecimalsAndRefuseTheRest() {
        assertThat(check("block.score", "5", "ratio", "0.25")).isEmpty();
        assertThat(check("block.score", " 1.5 ", "ratio", "2e3")).isEmpty();
        for (String bad : List.of("abc", "NaN", "Infinity", "1.5d", "0x1p3", "", "1e400")) {
            assertThatThrownBy(() -> check("block.score", bad))
                    .hasMessage("org.example: block.score must be a number such as 5 or 1.5, got '" + bad + "'");
        }
        assertThatThrownBy(() -> check("ratio", "1e39")).hasMessageContaining("ratio must be a number");
    }

    @Test
    void enumShouldAcceptOnlyTheExactNameOfAConstant() {
        assertThat(check("mode", "QUARANTINE")).isEmpty();
        assertThatThrownBy(() -> check("mode", "quarantine"))
                .hasMessage("org.example: mode must be one of BLOCK, QUARANTINE, got 'quarantine'");
        assertThatThrownBy(() -> check("mode", "DROP")).hasMessageContaining("got 'DROP'");
    }

    @Test
    void stringShouldAlwaysBeAccepted() {
        assertThat(check("name", "yes", "internal.networks", new String[] {"30days", "on"})).isEmpty();
    }

    @Test
    void arrayElementsShouldEachBeChecked() {
        assertThat(check("ports", new String[] {"25", "587"}, "flags", List.of("true", "FALSE"))).isEmpty();
        assertThat(check("ports", "25")).isEmpty();
        assertThatThrownBy(() -> check("ports", new String[] {"25", "smtp"}))
                .hasMessage("org.example: ports must be a whole number, got 'smtp'");
        assertThatThrownBy(() -> check("flags", List.of("true", "on")))
                .hasMessage("org.example: flags must be true or false, got 'on'");
        assertThatThrownBy(() -> check("ports", "submission")).hasMessageContaining("got 'submission'");
    }

    @Test
    void typedValuesShouldBeAcceptedAsTheyAre() {
        assertThat(check("enabled", Boolean.FALSE, "message.log.days", 7, "max.message.size", 9L,
                "block.score", 2.5, "ports", new int[] {25}, "mode", Mode.BLOCK)).isEmpty();
    }

    @Test
    void nullValuesShouldBeAccepted() {
        assertThat(check("enabled", null)).isEmpty();
    }

    @Test
    void unknownKeysShouldBeReturnedSortedAndFrameworkKeysIgnored() {
        List<String> unknown = check(
                "mesage.log.days", "7", "enabled", "true", "zzz", "1",
                "service.pid", "org.example", "service.factoryPid", "x", "component.name", "c", "component.id", 4L,
                "felix.fileinstall.filename", "file:/etc/org.example.cfg", "objectClass", new String[] {"X"},
                "osgi.http.whiteboard.servlet.pattern", "/x", "Enforcer.target", "(name=log)",
                "org.apache.karaf.features.configKey", "org.example", "DataSource.target", "(a=b)");
        assertThat(unknown).containsExactly("mesage.log.days", "zzz");
    }

    @Test
    void alsoKnownKeysShouldNotBeReported() {
        List<String> unknown = ConfigCheck.check("org.example", Sample.class,
                props("detector", "content", "typo", "x"), Set.of("detector"));
        assertThat(unknown).containsExactly("typo");
    }

    @Test
    void methodNamesShouldMapToPropertyNamesAsDsDoes() {
        assertThat(ConfigCheck.propertyNames(Names.class).keySet()).containsExactlyInAnyOrder(
                "a_b", "dollar", "dollar$sign", "dash-ed", "plain", "DataSource.target");
        assertThat(ConfigCheck.identifierToKey("max_connections_per_ip")).isEqualTo("max.connections.per.ip");
        assertThat(ConfigCheck.identifierToKey("a$$_b")).isEqualTo("a$.b");
        assertThat(ConfigCheck.identifierToKey("$_$")).isEqualTo("-");
    }

    @Test
    void prefixConstantShouldBePutInFrontOfEachName() {
        assertThat(ConfigCheck.propertyNames(Prefixed.class).keySet()).containsExactly("streamail.port");
        assertThatThrownBy(() -> ConfigCheck.check("p", Prefixed.class, props("streamail.port", "smtp")))
                .hasMessage("p: streamail.port must be a whole number, got 'smtp'");
        assertThat(ConfigCheck.check("p", Prefixed.class, props("port", "25"))).containsExactly("port");
    }

    @Test
    void singleElementValueShouldBeNamedAfterTheType() {
        assertThat(ConfigCheck.propertyNames(MaxSize.class).keySet()).containsExactlyInAnyOrder("max.size", "strict");
        assertThat(ConfigCheck.typeNameToKey("ServerPortConfig")).isEqualTo("server.port.config");
        assertThat(ConfigCheck.typeNameToKey("URLConfig")).isEqualTo("urlconfig");
        assertThatThrownBy(() -> ConfigCheck.check("p", MaxSize.class, props("max.size", "big")))
                .hasMessage("p: max.size must be a whole number, got 'big'");
    }

    @Test
    void longOrControlCharacterValuesShouldBeCutAndMaskedInTheMessage() {
        String longValue = "y".repeat(500);
        assertThatThrownBy(() -> check("enabled", longValue))
                .hasMessage("org.example: enabled must be true or false, got '" + "y".repeat(60) + "...'");
        assertThatThrownBy(() -> check("enabled", "ye\ns"))
                .hasMessage("org.example: enabled must be true or false, got 'ye?s'");
    }

    @Test
    void validConfigurationShouldPass() {
        assertThatCode(() -> check("enabled", "false", "message.log.days", "0", "mode", "BLOCK",
                "DataSource.target", "(osgi.jndi.service.name=x)")).doesNotThrowAnyException();
    }
}
