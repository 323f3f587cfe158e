package org.streamail.rest.internal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.servlet.ReadListener;
import javax.servlet.ServletInputStream;
import javax.servlet.ServletOutputStream;
import javax.servlet.WriteListener;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Minimal servlet request and response for tests: a dynamic proxy answers the handful of methods the API
 * uses and fails loudly on any other, so a test cannot pass by accident through an unimplemented call.
 */
final class FakeHttp {

    static final class Request {
        String method = "GET";
        String pathInfo;
        String query;
        final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        final Map<String, Object> attributes = new HashMap<>();
        byte[] body = new byte[0];
        /** When set, the body is read from this stream instead of {@link #body}. */
        java.io.InputStream bodyStream;
        long contentLength = -1;
        String remoteAddr = "192.0.2.10";
        /** Later instances of a header already in {@link #headers}, in order: {@code getHeaders} lists them all. */
        final List<Map.Entry<String, String>> repeatedHeaders = new ArrayList<>();

        /** Adds one instance of a header (the first goes to {@link #headers}, later ones after it). */
        Request addHeader(String name, String value) {
            if (headers.containsKey(name)) {
                repeatedHeaders.add(Map.entry(name, value));
            } else {
                headers.put(name, value);
            }
            return this;
        }

        private List<String> allHeaders(String name) {
            List<String> values = new ArrayList<>();
            if (headers.containsKey(name)) {
                values.add(headers.get(name));
            }
            repeatedHeaders.stream().filter(e -> e.getKey().equalsIgnoreCase(name)).forEach(e -> values.add(e.getValue()));
            return values;
        }

        HttpServletRequest proxy() {
            java.io.InputStream in = bodyStream != null ? bodyStream : new ByteArrayInputStream(body);
            ServletInputStream sin = new ServletInputStream() {
                @Override
                public int read() throws java.io.IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws java.io.IOException {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    try {
                        return in.available() == 0;
                    } catch (java.io.IOException e) {
                        return true;
                    }
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener readListener) {
                    throw new UnsupportedOperationException();
                }
            };
            return (HttpServletRequest) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
                    new Class<?>[] {HttpServletRequest.class}, (p, m, args) -> switch (m.getName()) {
                        case "getMethod" -> method;
                        case "getPathInfo" -> pathInfo;
                        case "getQueryString" -> query;
                        case "getHeader" -> headers.get((String) args[0]);
                        case "getHeaders" -> Collections.enumeration(allHeaders((String) args[0]));
                        case "getContentLengthLong" -> contentLength;
                        case "getRemoteAddr" -> remoteAddr;
                        case "getInputStream" -> sin;
                        case "getAttribute" -> attributes.get((String) args[0]);
                        case "setAttribute" -> attributes.put((String) args[0], args[1]);
                        case "toString" -> "FakeRequest " + method + " " + pathInfo;
                        default -> throw new UnsupportedOperationException("request." + m.getName());
                    });
        }
    }

    static final class Response {
        int status = 200;
        String contentType;
        int contentLength = -1;
        final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        String bodyText() {
            return body.toString(StandardCharsets.UTF_8);
        }

        HttpServletResponse proxy() {
            ServletOutputStream sout = new ServletOutputStream() {
                @Override
                public void write(int b) {
                    body.write(b);
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener writeListener) {
                    throw new UnsupportedOperationException();
                }
            };
            return (HttpServletResponse) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
                    new Class<?>[] {HttpServletResponse.class}, (p, m, args) -> switch (m.getName()) {
                        case "setStatus" -> {
                            status = (Integer) args[0];
                            yield null;
                        }
                        case "setHeader" -> headers.put((String) args[0], (String) args[1]);
                        case "setContentType" -> {
                            contentType = (String) args[0];
                            yield null;
                        }
                        case "setContentLength" -> {
                            contentLength = (Integer) args[0];
                            yield null;
                        }
                        case "getOutputStream" -> sout;
                        case "toString" -> "FakeResponse";
                        default -> throw new UnsupportedOperationException("response." + m.getName());
                    });
        }
    }

    private FakeHttp() {
    }
}
