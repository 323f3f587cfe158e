package org.streamail.detect.phishing.internal;

import java.util.Set;

/**
 * The names of the built-in signals. Their scores live in {@code signals.rules} (data, not code); intent
 * rules ({@code intent-<name>}) and combinations ({@code combo-<name>}) are defined entirely by the files.
 */
final class Rules {
    static final String LINK_TEXT_MISMATCH = "link-text-mismatch";
    static final String LINK_IP_LITERAL = "link-ip-literal";
    static final String LINK_HOMOGRAPH = "link-homograph";
    static final String LINK_MIXED_SCRIPT = "link-mixed-script";
    static final String LINK_LOOKALIKE = "link-lookalike";
    static final String LINK_SHORTENER = "link-shortener";
    static final String LINK_SUSPICIOUS_TLD = "link-suspicious-tld";
    static final String LINK_SCRIPT_SCHEME = "link-script-scheme";
    static final String LINK_LOGIN_PAGE = "link-login-page";
    static final String LINK_USERINFO = "link-userinfo";
    static final String KNOWN_BAD = "known-bad";
    static final String FORM_PASSWORD = "form-password";
    static final String FORM_PASSWORD_ATTACHMENT = "form-password-attachment";
    static final String SENDER_DISPLAY_NAME = "sender-display-name";
    static final String SENDER_LOOKALIKE = "sender-lookalike-domain";
    static final String SENDER_SPOOFED = "sender-spoofed-domain";
    static final String SENDER_BRAND_MISMATCH = "sender-brand-mismatch";
    static final String REPLY_TO_DIVERGENT = "reply-to-divergent";
    static final String REPLY_TO_FREEMAIL = "reply-to-freemail";
    static final String REPLY_TO_LOOKALIKE = "reply-to-lookalike-domain";
    static final String FIRST_CONTACT = "first-contact";
    static final String ALLOW_LISTED = "allow-listed";
    /** Words of the intent rules spelled with look-alike letters of another script (see {@link Homoglyphs}). */
    static final String INTENT_DISGUISED = "intent-disguised";

    /** Every signal {@code signals.rules} may score; anything else there is a typo and refused. */
    static final Set<String> SIGNALS = Set.of(LINK_TEXT_MISMATCH, LINK_IP_LITERAL, LINK_HOMOGRAPH,
            LINK_MIXED_SCRIPT, LINK_LOOKALIKE, LINK_SHORTENER, LINK_SUSPICIOUS_TLD, LINK_SCRIPT_SCHEME,
            LINK_LOGIN_PAGE, LINK_USERINFO, KNOWN_BAD, FORM_PASSWORD, FORM_PASSWORD_ATTACHMENT,
            SENDER_DISPLAY_NAME, SENDER_LOOKALIKE, SENDER_SPOOFED, SENDER_BRAND_MISMATCH, REPLY_TO_DIVERGENT,
            REPLY_TO_FREEMAIL, REPLY_TO_LOOKALIKE, FIRST_CONTACT, INTENT_DISGUISED);

    static final String INTENT_PREFIX = "intent-";
    /** The intent name {@code intents.rules} may not use: {@code intent-disguised} is a built-in signal. */
    static final String RESERVED_INTENT = INTENT_DISGUISED.substring(INTENT_PREFIX.length());
    static final String COMBO_PREFIX = "combo-";

    private Rules() {
    }
}
