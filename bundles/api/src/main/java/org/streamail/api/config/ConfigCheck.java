package org.streamail.api.config;

import java.lang.annotation.Annotation;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks a component's configuration strictly before Declarative Services converts it to its component property
 * type (an {@code @ObjectClassDefinition} annotation).
 *
 * <p>Why: Karaf hands every value of an {@code etc/*.cfg} file over as a String, and DS (Felix SCR) converts it
 * only when a method of the configuration annotation is called: {@code Boolean.parseBoolean} turns {@code yes},
 * {@code on}, {@code 1}, a typo and even {@code "true "} with a trailing space into {@code false} (switching
 * security features off without a word); {@code Integer.parseInt} fails with a message that does not name the
 * property; and a misspelled key is simply ignored. {@link #check} rejects the first two with an
 * {@link IllegalArgumentException} naming the PID and the property, and returns the keys no method reads, so the
 * caller can log them as probable typos.
 *
 * <p>Strictness follows what DS itself does with the String, so a value accepted here is read as written:
 * <ul>
 *   <li>{@code boolean}: {@code true} or {@code false}, any case, nothing around it (DS does not strip
 *       spaces; Karaf keeps trailing spaces of a {@code .cfg} line, and DS reads {@code "true "} as false);</li>
 *   <li>{@code byte}, {@code short}, {@code int}, {@code long}: a whole number in the type's range, nothing
 *       around it (DS's {@code parseInt} fails on spaces too);</li>
 *   <li>{@code float}, {@code double}: a finite decimal number such as {@code 5}, {@code 1.5} or {@code 2e3};
 *       spaces around it are fine (DS strips them there); {@code NaN}, {@code Infinity}, hexadecimal and a type
 *       suffix such as {@code 1.5d} are refused;</li>
 *   <li>an enum: exactly the name of one of its constants (DS uses {@code Enum.valueOf});</li>
 *   <li>{@code String}, {@code char}, {@code Class} and anything else: accepted as is.</li>
 * </ul>
 * For an array return type each element of a {@code String[]} or a collection is checked; a single String is
 * checked as one element. Values that are not Strings (already typed, e.g. from a typed {@code .config} file or
 * a test) are accepted as they are.
 *
 * <p>Property names follow the DS 1.4 mapping of method names (section 112.8.2.1): a single {@code _} becomes
 * {@code .}, {@code __} becomes {@code _}, a single {@code $} is removed, {@code $$} becomes {@code $}, and
 * {@code $_$} becomes {@code -}; a {@code PREFIX_} String constant of the type is put in front; the
 * {@code value} element of a single-element annotation is named after the type
 * ({@code MyConfig} → {@code my.config}).
 *
 * <p>Lifecycle and threading: a stateless utility; every method may be called from any thread. The work is
 * bounded by the number of methods of the type and the number (and array length) of the properties.
 * Nullability: no argument may be {@code null}; {@code null} values in the map are accepted (DS uses the
 * default).
 */
public final class ConfigCheck {

    /** Values longer than this are cut in messages: a message names the mistake, it does not echo a file. */
    private static final int MAX_SHOWN = 60;

    private static final Pattern IDENTIFIER_PARTS = Pattern.compile("(\\$_\\$)|(\\$\\$)|(\\$)|(__)|(_)");

    /** A plain decimal number: what an operator writes, without Java's hexadecimal, suffixes, NaN or Infinity. */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

    /** Keys the framework adds or uses itself: Config Admin, DS, Felix File Install, Karaf features. */
    private static final List<String> FRAMEWORK_PREFIXES = List.of(
            "service.", "component.", "felix.", "osgi.", "org.osgi.", "org.apache.felix.", "org.apache.karaf.", ":");

    private ConfigCheck() {
    }

    /**
     * Same as {@link #check(String, Class, Map, Collection)} without extra known keys.
     *
     * @param pid the configuration PID, used in messages
     * @param type the component property type (the {@code @ObjectClassDefinition} annotation)
     * @param properties the component properties as DS passes them to the activation method
     * @return the keys present in {@code properties} that no method of {@code type} reads and that are not
     *         framework keys, sorted; empty when there are none
     * @throws IllegalArgumentException at the first value that does not convert cleanly, naming pid and property
     */
    public static List<String> check(String pid, Class<? extends Annotation> type, Map<String, ?> properties) {
        return check(pid, type, properties, Set.of());
    }

    /**
     * Checks each property a method of {@code type} reads, and lists the keys nothing reads.
     *
     * <p>Framework keys are never reported: {@code service.*}, {@code component.*}, {@code felix.*},
     * {@code osgi.*}, {@code org.osgi.*}, {@code org.apache.felix.*}, {@code org.apache.karaf.*},
     * {@code objectClass}, any {@code *.target} (a reference target) and {@code *.cardinality.minimum}.
     *
     * @param pid the configuration PID, used in messages
     * @param type the component property type (the {@code @ObjectClassDefinition} annotation)
     * @param properties the component properties as DS passes them to the activation method
     * @param alsoKnown keys that are not in {@code type} but are expected, e.g. the component's own
     *                  {@code @Component(property = ...)} entries
     * @return the unknown keys, sorted; empty when there are none
     * @throws IllegalArgumentException at the first value that does not convert cleanly, naming pid and property
     */
    public static List<String> check(String pid, Class<? extends Annotation> type, Map<String, ?> properties,
            Collection<String> alsoKnown) {
        Objects.requireNonNull(pid, "pid");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(properties, "properties");
        Objects.requireNonNull(alsoKnown, "alsoKnown");
        Map<String, Method> byName = propertyNames(type);
        for (Map.Entry<String, Method> e : byName.entrySet()) {
            Object value = properties.get(e.getKey());
            if (value != null) {
                checkValue(pid, e.getKey(), e.getValue().getReturnType(), value);
            }
        }
        List<String> unknown = new ArrayList<>();
        for (String key : properties.keySet()) {
            if (key != null && !byName.containsKey(key) && !alsoKnown.contains(key) && !isFrameworkKey(key)) {
                unknown.add(key);
            }
        }
        unknown.sort(null);
        return List.copyOf(unknown);
    }

    /** The property name of each element of {@code type}, sorted by method name so messages are stable. */
    static Map<String, Method> propertyNames(Class<? extends Annotation> type) {
        String prefix = prefix(type);
        List<Method> elements = elements(type);
        boolean singleElement = isSingleElement(elements);
        Map<String, Method> names = new LinkedHashMap<>();
        for (Method m : elements) {
            String name = singleElement && m.getName().equals("value")
                    ? typeNameToKey(type.getSimpleName()) : identifierToKey(m.getName());
            names.put(prefix + name, m);
        }
        return names;
    }

    /** DS 1.4, 112.8.2.1: the method name to property name mapping. */
    static String identifierToKey(String name) {
        Matcher m = IDENTIFIER_PARTS.matcher(name);
        StringBuilder out = new StringBuilder(name.length());
        while (m.find()) {
            String replacement;
            if (m.group(1) != null) {
                replacement = "-";
            } else if (m.group(2) != null) {
                replacement = "\\$";
            } else if (m.group(3) != null) {
                replacement = "";
            } else if (m.group(4) != null) {
                replacement = "_";
            } else {
                replacement = ".";
            }
            m.appendReplacement(out, replacement);
        }
        m.appendTail(out);
        return out.toString();
    }

    /** DS 1.4, 112.8.2.2: a single-element annotation's type name to property name mapping. */
    static String typeNameToKey(String simpleName) {
        StringBuilder out = new StringBuilder(simpleName.length() + 4);
        char previous = 0;
        for (int i = 0; i < simpleName.length(); i++) {
            char c = simpleName.charAt(i);
            if (i > 0 && Character.isLowerCase(previous) && Character.isUpperCase(c)) {
                out.append('.');
            }
            out.append(Character.toLowerCase(c));
            previous = c;
        }
        return out.toString();
    }

    private static List<Method> elements(Class<?> type) {
        List<Method> elements = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.getDeclaringClass() != Annotation.class && m.getDeclaringClass() != Object.class
                    && m.getParameterCount() == 0 && !Modifier.isStatic(m.getModifiers())) {
                elements.add(m);
            }
        }
        elements.sort((a, b) -> a.getName().compareTo(b.getName()));
        return elements;
    }

    private static boolean isSingleElement(List<Method> elements) {
        boolean hasValue = false;
        for (Method m : elements) {
            if (m.getName().equals("value")) {
                hasValue = true;
            } else if (m.getDefaultValue() == null) {
                return false;
            }
        }
        return hasValue;
    }

    private static String prefix(Class<?> type) {
        try {
            Field f = type.getField("PREFIX_");
            int mod = f.getModifiers();
            if (Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getType() == String.class) {
                Object value = f.get(null);
                return value == null ? "" : value.toString();
            }
        } catch (NoSuchFieldException | IllegalAccessException e) {
            // no usable PREFIX_ constant: the names carry no prefix, as in DS
        }
        return "";
    }

    private static boolean isFrameworkKey(String key) {
        if (key.equals("objectClass") || key.endsWith(".target") || key.endsWith(".cardinality.minimum")) {
            return true;
        }
        for (String p : FRAMEWORK_PREFIXES) {
            if (key.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static void checkValue(String pid, String property, Class<?> returnType, Object value) {
        Class<?> elementType = returnType.isArray() ? returnType.getComponentType() : returnType;
        if (value instanceof String s) {
            checkString(pid, property, elementType, s);
        } else if (value instanceof String[] array) {
            for (String s : array) {
                if (s != null) {
                    checkString(pid, property, elementType, s);
                }
            }
        } else if (value instanceof Collection<?> collection) {
            for (Object o : collection) {
                if (o instanceof String s) {
                    checkString(pid, property, elementType, s);
                }
            }
        } else if (value.getClass().isArray() && !value.getClass().getComponentType().isPrimitive()) {
            int n = Array.getLength(value);
            for (int i = 0; i < n; i++) {
                if (Array.get(value, i) instanceof String s) {
                    checkString(pid, property, elementType, s);
                }
            }
        }
        // any other value is already typed: DS converts it without a parser, so it is accepted as it is
    }

    private static void checkString(String pid, String property, Class<?> type, String s) {
        if (type == boolean.class || type == Boolean.class) {
            if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
                throw bad(pid, property, "must be true or false" + spaces(s, isBoolean(s.strip())), s);
            }
        } else if (type == int.class || type == Integer.class) {
            checkWhole(pid, property, s, Integer.MIN_VALUE, Integer.MAX_VALUE);
        } else if (type == long.class || type == Long.class) {
            checkWhole(pid, property, s, Long.MIN_VALUE, Long.MAX_VALUE);
        } else if (type == short.class || type == Short.class) {
            checkWhole(pid, property, s, Short.MIN_VALUE, Short.MAX_VALUE);
        } else if (type == byte.class || type == Byte.class) {
            checkWhole(pid, property, s, Byte.MIN_VALUE, Byte.MAX_VALUE);
        } else if (type == double.class || type == Double.class) {
            checkDecimal(pid, property, s, Double.isFinite(parseOrNaN(s, false)));
        } else if (type == float.class || type == Float.class) {
            checkDecimal(pid, property, s, Float.isFinite((float) parseOrNaN(s, true)));
        } else if (type.isEnum()) {
            checkEnum(pid, property, type, s);
        }
    }

    private static boolean isBoolean(String s) {
        return s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false");
    }

    private static String spaces(String s, boolean validWhenStripped) {
        return validWhenStripped && !s.isEmpty() ? " with no spaces around it" : "";
    }

    private static void checkWhole(String pid, String property, String s, long min, long max) {
        if (INTEGER.matcher(s).matches()) {
            BigDecimal v = new BigDecimal(s);
            if (v.compareTo(BigDecimal.valueOf(min)) < 0 || v.compareTo(BigDecimal.valueOf(max)) > 0) {
                throw bad(pid, property, "must be a whole number from " + min + " to " + max, s);
            }
            return;
        }
        throw bad(pid, property, "must be a whole number" + spaces(s, INTEGER.matcher(s.strip()).matches()), s);
    }

    private static double parseOrNaN(String s, boolean asFloat) {
        String t = s.strip();
        if (!DECIMAL.matcher(t).matches()) {
            return Double.NaN;
        }
        return asFloat ? Float.parseFloat(t) : Double.parseDouble(t);
    }

    private static void checkDecimal(String pid, String property, String s, boolean finite) {
        if (!finite) {
            throw bad(pid, property, "must be a number such as 5 or 1.5", s);
        }
    }

    private static void checkEnum(String pid, String property, Class<?> type, String s) {
        Object[] constants = type.getEnumConstants();
        for (Object c : constants) {
            if (((Enum<?>) c).name().equals(s)) {
                return;
            }
        }
        String names = Arrays.stream(constants).map(c -> ((Enum<?>) c).name()).collect(Collectors.joining(", "));
        throw bad(pid, property, "must be one of " + names, s);
    }

    private static IllegalArgumentException bad(String pid, String property, String rule, String value) {
        return new IllegalArgumentException(pid + ": " + property + " " + rule + ", got '" + shown(value) + "'");
    }

    /** The value as it may appear in a log line: control characters replaced, long values cut. */
    private static String shown(String value) {
        String cut = value.length() > MAX_SHOWN ? value.substring(0, MAX_SHOWN) + "..." : value;
        StringBuilder out = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        return out.toString();
    }
}
