package org.streamail.isolation.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/** Configuration annotations as DS would build them: defaults, overridden by .cfg-style property names. */
final class TestConfigs {

    private TestConfigs() {
    }

    static IsolationConfig isolation(Map<String, Object> props) {
        return of(IsolationConfig.class, props);
    }

    static <A> A of(Class<A> type, Map<String, Object> props) {
        Map<String, Object> byMethod = new HashMap<>();
        props.forEach((k, v) -> byMethod.put(k.equals("protected") ? "protected$" : k.replace('.', '_'), v));
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> value(type, method, byMethod)));
    }

    private static Object value(Class<?> type, Method method, Map<String, Object> byMethod) {
        return switch (method.getName()) {
            case "annotationType" -> type;
            case "toString" -> "TestConfig" + byMethod;
            case "hashCode" -> byMethod.hashCode();
            default -> {
                Object v = byMethod.get(method.getName());
                yield v == null ? method.getDefaultValue() : v;
            }
        };
    }
}
