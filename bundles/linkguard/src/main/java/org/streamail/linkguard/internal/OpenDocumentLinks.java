package org.streamail.linkguard.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;

/**
 * The links of OpenDocument files — text ({@code odt ott}), spreadsheet ({@code ods ots}), presentation
 * ({@code odp otp}), drawing ({@code odg otg}), and the other zipped ODF kinds — rewritten to click URLs.
 *
 * <p><b>What is rewritten:</b> {@code xlink:href} attribute values in {@code content.xml}, {@code styles.xml} and
 * {@code meta.xml}, at the top and in embedded objects' sub-documents ({@code Object 1/content.xml}):
 * <ul>
 *   <li>on the link elements — {@code text:a}, {@code draw:a}, image-map areas ({@code draw:area-rectangle},
 *       {@code -circle}, {@code -polygon}), event listeners ({@code office:}, {@code presentation:},
 *       {@code script:event-listener}: "on click go to this URL") and form controls ({@code form:button} of type
 *       URL …) — whatever their scheme, as {@link DocumentLinks.Replacer} leaves what it does not guard (relative
 *       paths, {@code #bookmarks}, macro URLs);</li>
 *   <li>{@code form:form}'s {@code xlink:href}, where ODF keeps the URL a form submits to, and any
 *       {@code form:action} attribute (not in ODF 1.3's schema, but where a reader knowing it would submit), as
 *       {@link LinkTokens.Kind#FORM}: what is typed into the form goes there;</li>
 *   <li>on any other element only when http(s): a linked image, a linked section ({@code text:section-source}), a
 *       floating frame, an applet or plug-in, the template or the auto-reload URL in {@code meta.xml} — fetched or
 *       opened from there by the office suite, often as the document opens.</li>
 * </ul>
 * Elements and attributes are found by namespace (see {@link XmlPart}), only attribute values change, and the
 * container is written back with every other entry copied raw and {@code mimetype} first, as the specification
 * requires (moved to the front if it was not; copied raw like the others, so a stored one stays stored and without
 * extra field, where {@code file} and the office suites look for it; see {@link ZipPackage}).
 *
 * <p><b>Left as written, with the reason:</b> a digital signature ({@code META-INF/documentsignatures.xml}, or any
 * {@code META-INF/*signatures*.xml}, macro signatures included) is
 * {@link DocumentLinks.DocumentException.Reason#SIGNED} unless {@code signed}; a document whose manifest describes
 * encryption ({@code manifest:encryption-data}: password protection or OpenPGP encryption of its entries) is
 * ENCRYPTED. Not covered: flat XML OpenDocument files ({@code .fodt …}, not zipped), other parts
 * ({@code settings.xml}, scripts), and documents embedded as files.
 *
 * <p>Stateless and thread-safe.
 */
final class OpenDocumentLinks implements DocumentLinks {

    static final String XLINK_NS = "http://www.w3.org/1999/xlink";
    static final String FORM_NS = "urn:oasis:names:tc:opendocument:xmlns:form:1.0";
    private static final String TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0";
    private static final String DRAW_NS = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0";
    private static final String OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0";
    private static final String PRESENTATION_NS = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0";
    private static final String SCRIPT_NS = "urn:oasis:names:tc:opendocument:xmlns:script:1.0";

    /** Link elements by namespace: their {@code xlink:href} is a link whatever its scheme. */
    private static final Map<String, Set<String>> LINK_ELEMENTS = Map.of(
            TEXT_NS, Set.of("a"),
            DRAW_NS, Set.of("a", "area-rectangle", "area-circle", "area-polygon"),
            OFFICE_NS, Set.of("event-listener"),
            PRESENTATION_NS, Set.of("event-listener"),
            SCRIPT_NS, Set.of("event-listener"));

    private static final String MIMETYPE = "mimetype";
    private static final String MANIFEST = "META-INF/manifest.xml";
    private static final List<String> PARTS = List.of("content.xml", "styles.xml", "meta.xml");

    @Override
    public String kind() {
        return "OpenDocument";
    }

    /** A zip ({@code PK\3\4} at 0) whose central directory names {@code mimetype} or {@code META-INF/manifest.xml}. */
    @Override
    public boolean recognises(byte[] decoded) {
        List<String> names = ZipPackage.names(decoded);
        return names != null && (names.contains(MIMETYPE) || names.contains(MANIFEST));
    }

    @Override
    public byte[] rewrite(byte[] decoded, Replacer links, boolean signed) throws DocumentException {
        try (ZipPackage zip = ZipPackage.open(decoded, false)) {
            List<ZipArchiveEntry> entries = zip.entries();
            int manifest = -1;
            for (int i = 0; i < entries.size(); i++) {
                String name = entries.get(i).getName();
                String lower = name.toLowerCase(Locale.ROOT);
                if (!signed && lower.startsWith("meta-inf/") && lower.endsWith(".xml")
                        && lower.substring("meta-inf/".length()).contains("signatures")) {
                    throw new DocumentException(DocumentException.Reason.SIGNED, "a digitally signed OpenDocument file");
                }
                if (name.equals(MANIFEST)) {
                    manifest = i;
                }
            }
            if (manifest >= 0) {
                XmlPart.decode(zip.read(manifest)).scan(tag -> {
                    if (tag.local.equals("encryption-data")) {
                        throw new DocumentException(DocumentException.Reason.ENCRYPTED,
                                "an encrypted OpenDocument file");
                    }
                });
            }
            Map<Integer, byte[]> changed = new HashMap<>();
            for (int i = 0; i < entries.size(); i++) {
                String name = entries.get(i).getName();
                String file = name.substring(name.lastIndexOf('/') + 1);
                if (entries.get(i).isDirectory() || !PARTS.contains(file)) {
                    continue;
                }
                XmlPart part = XmlPart.decode(zip.read(i));
                part.scan(new Hrefs(links));
                if (part.changed()) {
                    changed.put(i, part.encode());
                }
            }
            return changed.isEmpty() ? decoded : zip.write(changed, MIMETYPE);
        } catch (RuntimeException e) {
            throw ZipPackage.unreadable(e);
        }
    }

    /** The {@code xlink:href} and {@code form:action} values of a content, styles or meta part. */
    private static final class Hrefs implements XmlPart.Handler {
        private final Replacer links;

        Hrefs(Replacer links) {
            this.links = links;
        }

        @Override
        public void start(XmlPart.Tag tag) throws DocumentException {
            for (XmlPart.Attr a : tag.attributes()) {
                LinkTokens.Kind kind;
                boolean always;
                if (XLINK_NS.equals(a.uri) && a.local.equals("href")) {
                    boolean form = FORM_NS.equals(tag.uri);
                    kind = form && tag.local.equals("form") ? LinkTokens.Kind.FORM : LinkTokens.Kind.LINK;
                    always = form || (tag.uri != null && LINK_ELEMENTS.getOrDefault(tag.uri, Set.of())
                            .contains(tag.local));
                } else if (FORM_NS.equals(a.uri) && a.local.equals("action")) {
                    kind = LinkTokens.Kind.FORM;
                    always = true;
                } else {
                    continue;
                }
                String value = a.value();
                if (!always && !OfficeLinks.isHttp(value)) {
                    continue;
                }
                String r = OfficeLinks.replacement(links, value, kind);
                if (r != null) {
                    a.replaceValue(r);
                }
            }
        }
    }
}
