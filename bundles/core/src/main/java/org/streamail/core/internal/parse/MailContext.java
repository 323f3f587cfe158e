package org.streamail.core.internal.parse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.net.URLStreamHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs Jakarta Mail code with a thread context class loader that finds angus-mail's providers.
 *
 * <p>Why: Jakarta Mail finds its {@code StreamProvider} (line reader, base64/QP codecs) with
 * {@link java.util.ServiceLoader} on the context class loader, and does so on every header block it parses.
 * Inside OSGi the context class loader of a pipeline or delivery thread sees no provider, and Jakarta Mail
 * fails or degrades (e.g. {@code getContent()} returning a stream). Outside OSGi it works, but each lookup
 * scans the whole class path (~0.1 ms). The loader set here delegates to angus-mail's bundle class loader and
 * remembers the {@code META-INF/services} lookups, so a lookup costs a cached list instead of a scan.
 */
public final class MailContext {

    private static final ClassLoader LOADER = new ProviderLoader(
            org.eclipse.angus.mail.smtp.SMTPTransport.class.getClassLoader());

    private MailContext() {
    }

    /** A body that may throw checked exceptions. */
    @FunctionalInterface
    public interface Body<T, E extends Exception> {
        T run() throws E;
    }

    public static <T, E extends Exception> T call(Body<T, E> body) throws E {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(LOADER);
        try {
            return body.run();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /** Delegates everything to angus-mail's loader; caches service-file lookups (a handful of names). */
    private static final class ProviderLoader extends ClassLoader {
        private static final String SERVICES = "META-INF/services/";
        private final Map<String, List<URL>> services = new ConcurrentHashMap<>();

        static {
            registerAsParallelCapable();
        }

        ProviderLoader(ClassLoader parent) {
            super("streamail-mail", parent);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            if (!name.startsWith(SERVICES) || name.length() > 200) {
                return super.getResources(name);
            }
            List<URL> urls = services.get(name);
            if (urls == null) {
                urls = new ArrayList<>();
                for (URL u : Collections.list(super.getResources(name))) {
                    urls.add(inMemory(u));
                }
                if (services.size() < 64) {
                    services.put(name, List.copyOf(urls));
                }
            }
            return Collections.enumeration(urls);
        }

        /** A copy of a (small) service file served from memory, so ServiceLoader does not reopen the jar. */
        private static URL inMemory(URL source) throws IOException {
            byte[] bytes;
            try (InputStream in = source.openStream()) {
                bytes = in.readNBytes(64 * 1024);
            }
            URLStreamHandler handler = new URLStreamHandler() {
                @Override
                protected URLConnection openConnection(URL u) {
                    return new URLConnection(u) {
                        @Override
                        public void connect() {
                            // nothing to connect: the bytes are here
                        }

                        @Override
                        public InputStream getInputStream() {
                            return new ByteArrayInputStream(bytes);
                        }
                    };
                }
            };
            return new URL(null, "streamail-cached:" + source, handler);
        }
    }
}
