package org.streamail.reporting.internal;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;

/** A component property type as DS would build it: the annotation's defaults, overridden by properties. */
final class Configs {

    private Configs() {
    }

    /** @param props property names as in the .cfg file, e.g. {@code admin.address} */
    static <A> A of(Class<A> type, Map<String, Object> props) {
        Map<String, Object> byMethod = new HashMap<>();
        props.forEach((k, v) -> byMethod.put(k.replace('.', '_'), v));
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> value(type, method, byMethod)));
    }

    private static Object value(Class<?> type, Method method, Map<String, Object> byMethod) {
        if (method.getName().equals("annotationType")) {
            return type;
        }
        if (method.getName().equals("toString")) {
            return type.getSimpleName() + byMethod;
        }
        Object v = byMethod.get(method.getName());
        return v == null ? method.getDefaultValue() : v;
    }
}
