package org.streamail.retention.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/** A {@link RetentionConfig} as DS would build it: the annotation's defaults, overridden by properties. */
final class TestConfig {

    private TestConfig() {
    }

    /** @param props property names as in the .cfg file, e.g. {@code imap.host} */
    static RetentionConfig of(Map<String, Object> props) {
        Map<String, Object> byMethod = new HashMap<>();
        props.forEach((k, v) -> byMethod.put(k.replace('.', '_'), v));
        return (RetentionConfig) Proxy.newProxyInstance(RetentionConfig.class.getClassLoader(),
                new Class<?>[] {RetentionConfig.class}, (proxy, method, args) -> value(method, byMethod));
    }

    private static Object value(Method method, Map<String, Object> byMethod) {
        if (method.getName().equals("annotationType")) {
            return RetentionConfig.class;
        }
        if (method.getName().equals("toString")) {
            return "TestConfig" + byMethod;
        }
        Object v = byMethod.get(method.getName());
        if (v == null) {
            return method.getDefaultValue();
        }
        if (method.getReturnType() == int.class && v instanceof String s) {
            return Integer.parseInt(s);
        }
        if (method.getReturnType() == boolean.class && v instanceof String s) {
            return Boolean.parseBoolean(s);
        }
        return v;
    }
}
