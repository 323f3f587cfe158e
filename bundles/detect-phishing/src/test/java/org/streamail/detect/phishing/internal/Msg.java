package org.streamail.detect.phishing.internal;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.streamail.api.detect.Inspection;
import org.streamail.api.model.Attachment;
import org.streamail.api.model.Content;
import org.streamail.api.model.Direction;
import org.streamail.api.model.Envelope;
import org.streamail.api.model.Link;
import org.streamail.api.model.MailAddress;
import org.streamail.api.model.ParsedMessage;

/** A small builder of inspections for rule unit tests (no MIME parsing involved). */
final class Msg {
    String from = "Alice Smith <alice@fabrikam.com>";
    String replyTo;
    String subject = "Hello";
    String text = "";
    String html = "";
    final List<Link> links = new ArrayList<>();
    final List<Attachment> attachments = new ArrayList<>();
    String auth;
    Direction direction = Direction.INBOUND;
    List<String> rcpts = List.of("marie.dupont@contoso.com");
    Instant deadline = Instant.now().plusSeconds(30);

    static Msg msg() {
        return new Msg();
    }

    Msg from(String f) {
        from = f;
        return this;
    }

    Msg replyTo(String r) {
        replyTo = r;
        return this;
    }

    Msg subject(String s) {
        subject = s;
        return this;
    }

    Msg text(String t) {
        text = t;
        return this;
    }

    Msg html(String h) {
        html = h;
        return this;
    }

    Msg anchor(String href, String linkText) {
        links.add(new Link(href, linkText, Link.Source.HTML_ANCHOR, "1"));
        return this;
    }

    Msg link(String href) {
        links.add(new Link(href, "", Link.Source.TEXT, "1"));
        return this;
    }

    Msg resource(String href) {
        links.add(new Link(href, "", Link.Source.HTML_RESOURCE, "1"));
        return this;
    }

    Msg attach(String name, String type, String content) {
        attachments.add(new Attachment("2", name, name, type, type, "attachment", List.of(),
                Content.ofUtf8(content), ""));
        return this;
    }

    Msg auth(String user) {
        auth = user;
        return this;
    }

    Msg direction(Direction d) {
        direction = d;
        return this;
    }

    Msg deadline(Instant d) {
        deadline = d;
        return this;
    }

    static MailAddress address(String s) {
        int lt = s.indexOf('<');
        if (lt < 0) {
            return new MailAddress(s.strip(), "");
        }
        return new MailAddress(s.substring(lt + 1, s.indexOf('>')).strip(), s.substring(0, lt).strip());
    }

    Inspection build() {
        MailAddress f = address(from);
        ParsedMessage m = new ParsedMessage("id@test", subject, List.of(f),
                replyTo == null ? List.of() : List.of(address(replyTo)), List.of(), List.of(), List.of(), text,
                html, links, attachments, 1000, false, List.of());
        Envelope env = new Envelope(f.address(), rcpts, "203.0.113.9", "mx.example.net", false, Instant.now(),
                direction, auth);
        return new Inspection("t", env, m, Content.empty(), deadline);
    }
}
