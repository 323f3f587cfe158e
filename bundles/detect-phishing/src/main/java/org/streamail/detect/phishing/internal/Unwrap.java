package org.streamail.detect.phishing.internal;

import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The real target of a link rewritten by another vendor's URL protection or passed through a big site's open
 * redirect: Microsoft Safe Links, Proofpoint URL Defense (v2 and v3), Google's {@code /url}, Facebook's
 * {@code l.php}, LinkedIn's {@code /redir/redirect} and Barracuda Link Protection. Each form has its own decoding,
 * so the list is code, not a rule file. Only http(s) targets count; a wrapper whose target does not decode cleanly
 * (a broken escape, the target parameter given twice with different values, a Proofpoint v3 link short of
 * replacement characters) is left as it is. Bounded: {@value #MAX_URL} characters, {@value #MAX_LEVELS} levels of
 * nesting, no network. Stateless.
 */
final class Unwrap {

    /** Wrappers unwrapped inside each other at most (Safe Links around URL Defense is two). */
    static final int MAX_LEVELS = 5;
    /** A longer URL is judged as written. */
    static final int MAX_URL = 8192;
    private static final int MAX_PARAMS = 100;
    /** Proofpoint v3: {@code **X} stands for a run of 2 + (position of X here) replacement characters. */
    private static final String V3_RUNS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    private Unwrap() {
    }

    /**
     * The URL and what it wraps, outermost first: {@code [url]} when it wraps nothing, else
     * {@code [url, inner, ..., target]} with at most {@value #MAX_LEVELS} unwrapped levels. The unwrapped URLs are
     * cleaned as a browser reads them ({@link Hosts#clean}).
     */
    static List<String> chain(String url) {
        List<String> out = new ArrayList<>(2);
        out.add(url);
        String current = url;
        for (int level = 0; level < MAX_LEVELS; level++) {
            String inner = once(current);
            if (inner == null || out.contains(inner)) {
                break;
            }
            out.add(inner);
            current = inner;
        }
        return out;
    }

    /** The innermost target of {@code url}, or {@code url} itself when it wraps nothing. */
    static String target(String url) {
        List<String> c = chain(url);
        return c.get(c.size() - 1);
    }

    /** The name of the wrapper {@code url} is, for explanations ("safelinks.protection.outlook.com"), or {@code null}. */
    static String wrapperName(String url) {
        Parts p = parts(url);
        return p == null ? null : p.form.name(p.host);
    }

    /** The URL {@code url} wraps directly, or {@code null} when it is no known wrapper or does not decode cleanly. */
    static String once(String url) {
        Parts p = parts(url);
        if (p == null) {
            return null;
        }
        String inner;
        try {
            inner = switch (p.form) {
                case PROOFPOINT_V3 -> proofpointV3(p.rest);
                case PROOFPOINT_V2 -> proofpointV2(param(p.query, "u"));
                case SAFELINKS, LINKEDIN -> param(p.query, "url");
                case GOOGLE -> param(p.query, "q", "url");
                case FACEBOOK -> param(p.query, "u");
                case BARRACUDA -> param(p.query, "a");
            };
        } catch (IllegalArgumentException e) {
            return null; // a broken escape or base64: not a clean decoding
        }
        return web(inner);
    }

    private enum Form {
        SAFELINKS, PROOFPOINT_V2, PROOFPOINT_V3, GOOGLE, FACEBOOK, LINKEDIN, BARRACUDA;

        String name(String host) {
            return switch (this) {
                case SAFELINKS -> host.endsWith(".office365.us") ? "safelinks.protection.office365.us"
                        : "safelinks.protection.outlook.com";
                case PROOFPOINT_V2 -> "urldefense.proofpoint.com";
                case PROOFPOINT_V3 -> "urldefense.com";
                case GOOGLE -> Hosts.registrable(host);
                case FACEBOOK -> host;
                case LINKEDIN -> "linkedin.com";
                case BARRACUDA -> "linkprotect.cudasvc.com";
            };
        }
    }

    /** A wrapper URL taken apart: its form, host, path, query, and everything after the host (for v3). */
    private record Parts(Form form, String host, String rest, String query) {
    }

    private static Parts parts(String url) {
        if (url == null || url.length() > MAX_URL) {
            return null;
        }
        String h = Hosts.clean(url);
        String scheme = Hosts.scheme(h);
        // a link without a scheme starting with two slashes is opened over https by webmail (see Hosts.authority)
        boolean networkPath = scheme.isEmpty() && h.startsWith("//");
        if (!scheme.equals("http") && !scheme.equals("https") && !networkPath) {
            return null;
        }
        String host = Hosts.hostOf(h).orElse(null);
        if (host == null) {
            return null;
        }
        int start = scheme.length() + 1;
        while (start < h.length() && (h.charAt(start) == '/' || h.charAt(start) == '\\')) {
            start++;
        }
        int end = start;
        while (end < h.length() && "/?#\\".indexOf(h.charAt(end)) < 0) {
            end++;
        }
        String rest = h.substring(end).replace('\\', '/');
        int q = rest.indexOf('?');
        int hash = rest.indexOf('#');
        String path = rest.substring(0, q >= 0 ? q : hash >= 0 ? hash : rest.length());
        String query = q < 0 ? "" : rest.substring(q + 1, hash > q ? hash : rest.length());
        String lowerPath = path.toLowerCase(Locale.ROOT);
        Form form = null;
        if (host.endsWith(".safelinks.protection.outlook.com") || host.endsWith(".safelinks.protection.office365.us")) {
            form = Form.SAFELINKS;
        } else if (host.equals("urldefense.proofpoint.com") && lowerPath.equals("/v2/url")) {
            form = Form.PROOFPOINT_V2;
        } else if (host.equals("urldefense.com") && rest.startsWith("/v3/__")) {
            form = Form.PROOFPOINT_V3;
        } else if (google(host) && lowerPath.equals("/url")) {
            form = Form.GOOGLE;
        } else if ((host.equals("l.facebook.com") || host.equals("lm.facebook.com")) && lowerPath.equals("/l.php")) {
            form = Form.FACEBOOK;
        } else if ((host.equals("www.linkedin.com") || host.equals("linkedin.com"))
                && lowerPath.equals("/redir/redirect")) {
            form = Form.LINKEDIN;
        } else if (host.equals("linkprotect.cudasvc.com") && lowerPath.equals("/url")) {
            form = Form.BARRACUDA;
        }
        return form == null ? null : new Parts(form, host, rest, query);
    }

    /** {@code www.google.<public suffix>} or {@code google.<public suffix>}: google.com, google.co.uk, google.fr. */
    private static boolean google(String host) {
        String h = host.startsWith("www.") ? host.substring(4) : host;
        if (!h.startsWith("google.")) {
            return false;
        }
        String suffix = h.substring("google.".length());
        return !suffix.isEmpty() && com.google.common.net.InternetDomainName.isValid(suffix)
                && com.google.common.net.InternetDomainName.from(suffix).isPublicSuffix();
    }

    /**
     * The value of the first of {@code names} present in the query, form-decoded; {@code null} when absent or
     * when the parameters give two different values (which one the wrapper follows is unknown).
     */
    private static String param(String query, String... names) {
        String found = null;
        int n = 0;
        for (String pair : query.split("&", MAX_PARAMS + 1)) {
            if (n++ >= MAX_PARAMS) {
                break;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String name = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
            for (String wanted : names) {
                if (name.equals(wanted)) {
                    String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    if (found != null && !found.equals(value)) {
                        return null;
                    }
                    found = value;
                }
            }
        }
        return found;
    }

    /** Proofpoint v2: in the {@code u} parameter {@code -XX} is the escape {@code %XX} and {@code _} is {@code /}. */
    private static String proofpointV2(String u) {
        if (u == null) {
            return null;
        }
        StringBuilder sb = new StringBuilder(u.length());
        for (int i = 0; i < u.length(); i++) {
            char c = u.charAt(i);
            if (c == '-') {
                if (i + 2 >= u.length() || Character.digit(u.charAt(i + 1), 16) < 0
                        || Character.digit(u.charAt(i + 2), 16) < 0) {
                    return null;
                }
                sb.append('%');
            } else if (c == '_') {
                sb.append('/');
            } else {
                sb.append(c);
            }
        }
        return URLDecoder.decode(sb.toString().replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /**
     * Proofpoint v3: {@code /v3/__<url>__;<replacements>!<signature>$}. In the URL each {@code *} stands for the
     * next character of the replacements (base64url of UTF-8 text) and {@code **X} for a run of them (2 for
     * {@code A}, 3 for {@code B} ... in the order of {@link #V3_RUNS}). Fewer replacement characters than the URL
     * asks for is not a clean decoding.
     */
    private static String proofpointV3(String rest) {
        String body = rest.substring("/v3/__".length());
        int end = body.indexOf("__;");
        if (end < 1) {
            return null;
        }
        String embedded = body.substring(0, end);
        String after = body.substring(end + 3);
        int bang = after.indexOf('!');
        String encoded = bang < 0 ? after : after.substring(0, bang);
        if (embedded.indexOf('*') < 0) {
            return embedded;
        }
        int[] replacements;
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(encoded);
            replacements = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes))
                    .toString().codePoints().toArray();
        } catch (CharacterCodingException e) {
            return null;
        }
        StringBuilder sb = new StringBuilder(embedded.length() + replacements.length);
        int next = 0;
        for (int i = 0; i < embedded.length(); i++) {
            char c = embedded.charAt(i);
            if (c != '*') {
                sb.append(c);
                continue;
            }
            int run = 1;
            if (i + 1 < embedded.length() && embedded.charAt(i + 1) == '*') {
                int k = i + 2 < embedded.length() ? V3_RUNS.indexOf(embedded.charAt(i + 2)) : -1;
                if (k < 0) {
                    return null;
                }
                run = 2 + k;
                i += 2;
            }
            if (next + run > replacements.length) {
                return null;
            }
            for (int r = 0; r < run; r++) {
                sb.appendCodePoint(replacements[next++]);
            }
        }
        return sb.toString();
    }

    /** {@code s} cleaned when it is an http(s) URL with a host and within bounds, else {@code null}. */
    private static String web(String s) {
        if (s == null || s.length() > MAX_URL) {
            return null;
        }
        String c = Hosts.clean(s);
        String scheme = Hosts.scheme(c);
        if ((!scheme.equals("http") && !scheme.equals("https")) || Hosts.hostOf(c).isEmpty()) {
            return null;
        }
        return c;
    }
}
