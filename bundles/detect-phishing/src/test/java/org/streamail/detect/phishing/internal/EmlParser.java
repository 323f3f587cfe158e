package org.streamail.detect.phishing.internal;

import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Content;
import org.streamail.api.model.Header;
import org.streamail.api.model.Link;
import org.streamail.api.model.MailAddress;
import org.streamail.api.model.ParsedMessage;

/**
 * Test-only adapter from raw RFC 822 bytes to {@link ParsedMessage} with Jakarta Mail and jsoup, so the
 * detector's tests do not depend on the core's parser (written in parallel). It fills what the detector
 * reads: subject, From, Reply-To, headers, text and HTML bodies, HTML attachments, anchor links with their
 * text, form actions, resources and plain-text URLs. Bounded: depth 10, 200 parts.
 */
final class EmlParser {

    private static final Pattern TEXT_URL = Pattern.compile("(?i)\\b(?:https?://|www\\.)[^\\s<>\"']+");
    private static final int MAX_DEPTH = 10;
    private static final int MAX_PARTS = 200;

    private final StringBuilder text = new StringBuilder();
    private final StringBuilder html = new StringBuilder();
    private final List<Link> links = new ArrayList<>();
    private final List<Attachment> attachments = new ArrayList<>();
    private int parts;

    private EmlParser() {
    }

    static ParsedMessage parse(byte[] raw) throws MessagingException, IOException {
        MimeMessage mm = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        EmlParser p = new EmlParser();
        p.walk(mm, "1", 0);
        List<Header> headers = new ArrayList<>();
        Enumeration<jakarta.mail.Header> all = mm.getAllHeaders();
        while (all.hasMoreElements()) {
            jakarta.mail.Header h = all.nextElement();
            headers.add(new Header(h.getName(), MimeUtility.decodeText(MimeUtility.unfold(h.getValue()))));
        }
        String messageId = mm.getMessageID() == null ? "" : mm.getMessageID().replaceAll("[<>]", "");
        return new ParsedMessage(messageId, mm.getSubject(), addresses(mm.getHeader("From", ",")),
                addresses(mm.getHeader("Reply-To", ",")), addresses(mm.getHeader("To", ",")),
                addresses(mm.getHeader("Cc", ",")), headers, p.text.toString(), p.html.toString(), p.links,
                p.attachments, raw.length, false, List.of());
    }

    private static List<MailAddress> addresses(String header) {
        List<MailAddress> out = new ArrayList<>();
        if (header == null) {
            return out;
        }
        try {
            for (Address a : InternetAddress.parseHeader(header, false)) {
                InternetAddress ia = (InternetAddress) a;
                out.add(new MailAddress(ia.getAddress(), ia.getPersonal()));
            }
        } catch (AddressException e) {
            out.add(new MailAddress(header, ""));
        }
        return out;
    }

    private void walk(Part part, String path, int depth) throws MessagingException, IOException {
        if (depth > MAX_DEPTH || ++parts > MAX_PARTS) {
            return;
        }
        String type = part.getContentType() == null ? "text/plain" : part.getContentType().toLowerCase(Locale.ROOT);
        if (part.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) part.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart bp = mp.getBodyPart(i);
                walk(bp, depth == 0 ? String.valueOf(i + 1) : path + "." + (i + 1), depth + 1);
            }
            return;
        }
        String disposition = part.getDisposition() == null ? "" : part.getDisposition().toLowerCase(Locale.ROOT);
        String fileName = part.getFileName() == null ? "" : MimeUtility.decodeText(part.getFileName());
        boolean body = !disposition.equals("attachment") && fileName.isEmpty();
        if (body && part.isMimeType("text/plain")) {
            String t = String.valueOf(part.getContent());
            text.append(t).append('\n');
            Matcher m = TEXT_URL.matcher(t);
            while (m.find()) {
                links.add(new Link(m.group().replaceAll("[.,;:)]+$", ""), "", Link.Source.TEXT, path));
            }
        } else if (body && part.isMimeType("text/html")) {
            String h = String.valueOf(part.getContent());
            html.append(h).append('\n');
            htmlLinks(Jsoup.parse(h), path);
        } else {
            byte[] bytes;
            try (InputStream in = part.getInputStream()) {
                bytes = in.readAllBytes();
            }
            String declared = type.split(";")[0].strip();
            attachments.add(new Attachment(path, fileName, fileName, declared, declared, disposition, List.of(),
                    Content.of(bytes), ""));
            if (declared.equals("text/html")) {
                htmlLinks(Jsoup.parse(new String(bytes, StandardCharsets.UTF_8)), path);
            }
        }
    }

    private void htmlLinks(Document d, String path) {
        for (Element a : d.select("a[href], area[href]")) {
            links.add(new Link(a.attr("href").strip(), a.text(), Link.Source.HTML_ANCHOR, path));
        }
        for (Element f : d.select("form[action]")) {
            links.add(new Link(f.attr("action").strip(), "", Link.Source.HTML_FORM, path));
        }
        for (Element r : d.select("img[src], iframe[src]")) {
            links.add(new Link(r.attr("src").strip(), "", Link.Source.HTML_RESOURCE, path));
        }
    }
}
