package org.streamail.testsupport;

import java.io.IOException;
import java.io.StringReader;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Test support: the configuration the distribution ships for a PID (the {@code <config>} text of the features
 * file, which Karaf writes to {@code etc/<pid>.cfg}), and a component property type built from properties the
 * way DS does it (every value a String, converted when a method is called).
 */
public final class ShippedConfig {

    private ShippedConfig() {
    }

    /** The features file, relative to the module (Surefire's working directory and {@code basedir}). */
    public static Path featuresFile() {
        return Path.of(System.getProperty("basedir", ".")).resolve("../../features/src/main/feature/feature.xml")
                .normalize();
    }

    /** Whether the features file ships a configuration for {@code pid}. */
    public static boolean shipped(String pid) throws Exception {
        return text(pid) != null;
    }

    /**
     * The properties of the shipped configuration of {@code pid}, every value a String as Karaf hands them
     * over.
     *
     * @throws AssertionError if the features file ships none for {@code pid}
     */
    public static Map<String, Object> of(String pid) throws Exception {
        String text = text(pid);
        if (text == null) {
            throw new AssertionError("no <config name=\"" + pid + "\"> in " + featuresFile());
        }
        Properties p = new Properties();
        p.load(new StringReader(text));
        Map<String, Object> out = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
        return out;
    }

    private static String text(String pid) throws Exception {
        Path file = featuresFile();
        if (!Files.isRegularFile(file)) {
            throw new IOException("features file not found: " + file);
        }
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        NodeList configs = f.newDocumentBuilder().parse(file.toFile()).getElementsByTagNameNS("*", "config");
        for (int i = 0; i < configs.getLength(); i++) {
            Element e = (Element) configs.item(i);
            if (pid.equals(e.getAttribute("name"))) {
                return e.getTextContent();
            }
        }
        return null;
    }

    /** Every element of {@code type} with its default written as text, as an operator copying the README would. */
    public static Map<String, Object> defaultsAsText(Class<? extends Annotation> type) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Method m : type.getDeclaredMethods()) {
            if (m.getDefaultValue() != null) {
                out.put(key(m.getName()), String.valueOf(m.getDefaultValue()));
            }
        }
        return out;
    }

    /** A config of {@code type} over {@code properties} (cfg file names), converted as DS does. */
    public static <A extends Annotation> A config(Class<A> type, Map<String, ?> properties) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, m, args) -> {
            switch (m.getName()) {
                case "annotationType":
                    return type;
                case "toString":
                    return type.getSimpleName() + properties;
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "equals":
                    return proxy == args[0];
                default:
                    Object v = properties.get(key(m.getName()));
                    return v == null ? m.getDefaultValue() : convert(m.getReturnType(), v);
            }
        }));
    }

    /** DS 1.4 112.8.2.1 for the plain names these types use: {@code _} is {@code .}, {@code __} is {@code _}. */
    public static String key(String method) {
        return method.replace("__", "\u0000").replace('_', '.').replace('\u0000', '_').replace("$", "");
    }

    private static Object convert(Class<?> t, Object v) {
        if (!(v instanceof String s)) {
            return v;
        }
        if (t == boolean.class) {
            return Boolean.parseBoolean(s);
        } else if (t == int.class) {
            return Integer.parseInt(s);
        } else if (t == long.class) {
            return Long.parseLong(s);
        } else if (t == double.class) {
            return Double.parseDouble(s.strip());
        }
        return s;
    }
}
