package org.streamail.rest.internal;

import java.util.function.Function;
import java.util.function.Supplier;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.streamail.rest.internal.http.ApiException;

/**
 * Runs code with a gateway service if one is registered, and answers 503 for the calling endpoint when it
 * is not. Used by the route groups of the capabilities that come in their own bundles (spam, isolation,
 * alerts, link guard), whose services may come and go at runtime. Thread-safe.
 *
 * @param <S> the service type
 */
interface ServiceAccess<S> {

    <R> R with(Function<S, R> work);

    /** Over a supplier that returns {@code null} when the service is absent (tests). */
    static <S> ServiceAccess<S> of(Supplier<S> supplier, String what) {
        return new ServiceAccess<>() {
            @Override
            public <R> R with(Function<S, R> work) {
                S s = supplier.get();
                if (s == null) {
                    throw ApiException.unavailable("the " + what + " is not available right now");
                }
                return work.apply(s);
            }
        };
    }

    /** Looks the service up in the OSGi registry per call (get, use, unget). */
    static <S> ServiceAccess<S> registry(Class<S> type, String what) {
        return new ServiceAccess<>() {
            @Override
            public <R> R with(Function<S, R> work) {
                Bundle bundle = FrameworkUtil.getBundle(ServiceAccess.class);
                BundleContext ctx = bundle == null ? null : bundle.getBundleContext();
                ServiceReference<S> ref = ctx == null ? null : ctx.getServiceReference(type);
                S service = ref == null ? null : ctx.getService(ref);
                if (service == null) {
                    throw ApiException.unavailable("the " + what + " is not available right now");
                }
                try {
                    return work.apply(service);
                } finally {
                    ctx.ungetService(ref);
                }
            }
        };
    }
}
