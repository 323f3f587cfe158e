package org.streamail.core.internal.status;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/**
 * The Streamail components that Declarative Services could not activate, one short line each, for
 * {@link org.streamail.api.service.StatusReport#problems()}.
 *
 * <p>Every Streamail component checks its configuration strictly and throws from its activation on a bad
 * value. SCR then puts the configuration in {@link ComponentConfigurationDTO#FAILED_ACTIVATION} and keeps the
 * exception's stack trace in {@link ComponentConfigurationDTO#failure} (Felix SCR 2.2 stores the whole
 * {@code printStackTrace} text; with constructor injection its first line is only
 * {@code java.lang.reflect.InvocationTargetException} and the real exception follows as {@code Caused by:}).
 * This class turns that into {@code <component> (<bundle symbolic name>): <first line of the message>}.
 *
 * <p>Only components of bundles whose symbolic name is {@code org.streamail} or starts with
 * {@code org.streamail.} are looked at. Other states are not problems here: UNSATISFIED_REFERENCE is normal
 * while services come and go (and is the consequence of a failure reported here, not its cause);
 * UNSATISFIED_CONFIGURATION means "configuration required but none exists", which for a REQUIRE component
 * is the intended way to leave it off (with a configuration present it would not be in that state).
 * Stateless; thread-safe.
 */
final class ComponentProblems {

    /** Longest line, ellipsis included. */
    static final int MAX_LINE = 300;
    /** Most lines; further failures are summed up in one last line. */
    static final int MAX_ENTRIES = 50;

    private static final String OURS = "org.streamail";
    private static final String IAE = IllegalArgumentException.class.getName();
    private static final String CAUSED_BY = "Caused by: ";
    /** Exceptions that only carry another one: the line of their cause says more. */
    private static final Set<String> WRAPPERS = Set.of("java.lang.reflect.InvocationTargetException",
            "java.lang.reflect.UndeclaredThrowableException", "java.util.concurrent.ExecutionException",
            "java.util.concurrent.CompletionException");

    private ComponentProblems() {
    }

    /**
     * The problems among these components, sorted by bundle then component name, at most
     * {@link #MAX_ENTRIES} lines plus one line "(N more)" when there are more.
     */
    static List<String> of(Collection<ComponentDescriptionDTO> descriptions,
            Function<ComponentDescriptionDTO, Collection<ComponentConfigurationDTO>> configurations) {
        List<ComponentDescriptionDTO> ours = new ArrayList<>();
        for (ComponentDescriptionDTO d : descriptions) {
            if (d != null && d.bundle != null && isOurs(d.bundle.symbolicName)) {
                ours.add(d);
            }
        }
        ours.sort(Comparator.comparing((ComponentDescriptionDTO d) -> d.bundle.symbolicName)
                .thenComparing(d -> String.valueOf(d.name)));
        List<String> lines = new ArrayList<>();
        int more = 0;
        for (ComponentDescriptionDTO d : ours) {
            Collection<ComponentConfigurationDTO> configs = configurations.apply(d);
            if (configs == null) {
                continue;
            }
            for (ComponentConfigurationDTO c : configs) {
                if (c == null || c.state != ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    continue;
                }
                if (lines.size() < MAX_ENTRIES) {
                    lines.add(line(d, c));
                } else {
                    more++;
                }
            }
        }
        if (more > 0) {
            lines.add("(" + more + " more components failed to activate)");
        }
        return lines;
    }

    static boolean isOurs(String symbolicName) {
        return symbolicName != null && (symbolicName.equals(OURS) || symbolicName.startsWith(OURS + "."));
    }

    /** {@code name [factory configuration pid] (bundle): reason}, at most {@link #MAX_LINE} characters. */
    static String line(ComponentDescriptionDTO d, ComponentConfigurationDTO c) {
        String name = d.name == null ? "(unnamed component)" : d.name;
        StringBuilder s = new StringBuilder(name);
        if (c.properties != null && c.properties.get("service.factoryPid") != null
                && c.properties.get("service.pid") instanceof String pid) {
            s.append(" [").append(pid).append(']');
        }
        s.append(" (").append(d.bundle.symbolicName).append("): ").append(reason(name, c.failure));
        return bounded(visible(s.toString()));
    }

    /**
     * The first line of the exception that failed the activation: the first exception line of the stack
     * trace that is not a mere wrapper, without {@code java.lang.IllegalArgumentException: } (the usual
     * "refused value" exception says nothing more) and without a leading {@code <component name>: } the
     * message may repeat.
     */
    static String reason(String componentName, String failure) {
        if (failure == null || failure.isBlank()) {
            return "activation failed (no reason recorded)";
        }
        List<String> headlines = new ArrayList<>();
        List<String> lines = failure.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (i == 0 && !l.isEmpty()) {
                headlines.add(l);
            } else if (l.startsWith(CAUSED_BY)) {
                headlines.add(l.substring(CAUSED_BY.length()).strip());
            }
        }
        if (headlines.isEmpty()) {
            return "activation failed (no reason recorded)";
        }
        String chosen = headlines.get(headlines.size() - 1);
        for (String h : headlines) {
            if (!isWrapper(h)) {
                chosen = h;
                break;
            }
        }
        if (chosen.startsWith(IAE + ": ")) {
            chosen = chosen.substring(IAE.length() + 2).strip();
        } else if (chosen.equals(IAE)) {
            chosen = "invalid configuration (no message)";
        }
        if (componentName != null && chosen.startsWith(componentName + ": ")
                && chosen.length() > componentName.length() + 2) {
            chosen = chosen.substring(componentName.length() + 2).strip();
        }
        return chosen;
    }

    /** A known wrapper exception, or an exception line without a message. */
    private static boolean isWrapper(String headline) {
        int colon = headline.indexOf(": ");
        String type = colon < 0 ? headline : headline.substring(0, colon);
        return WRAPPERS.contains(type) || colon < 0 || headline.substring(colon + 2).isBlank();
    }

    static String visible(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        return b.toString();
    }

    static String bounded(String s) {
        if (s.length() <= MAX_LINE) {
            return s;
        }
        int end = MAX_LINE - 3;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end) + "...";
    }
}
