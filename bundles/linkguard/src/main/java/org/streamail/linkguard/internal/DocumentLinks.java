package org.streamail.linkguard.internal;

/**
 * The links inside one kind of document file (PDF, Office Open XML, OpenDocument, RTF) rewritten to click URLs, the
 * way {@link LinkRewriter} rewrites the links of an HTML body: the reader opens the attachment in its own viewer,
 * and a click there went straight to the link's target, past the click-time check, the isolation and the recall
 * (before 2026-12-07 every document stayed byte for byte).
 *
 * <p>An implementation changes only the link targets and the structure that must follow them (a length, an offset
 * table); everything else the viewer shows stays as it was. It holds no state between calls and is safe to call
 * from several threads. Every loop, buffer and nesting depth it runs over the document is bounded, whatever the
 * file holds; the whole decoded file is at most {@link LinkRewriter#MAX_ATTACHMENT_BYTES}.
 */
interface DocumentLinks {

    /** A short name for log lines: {@code PDF}, {@code Office}, {@code OpenDocument}, {@code RTF}. */
    String kind();

    /**
     * Whether {@code decoded} (a whole decoded attachment) is a document of this kind, judged by its bytes (the
     * magic number, the container's entries), never by the part's declared type or file name: a viewer opens the
     * file it gets, and a sender chooses the name. Cheap: it may read the first few KiB and the container's
     * directory, not the whole document.
     */
    boolean recognises(byte[] decoded);

    /**
     * The document with its link targets replaced.
     *
     * @param decoded the whole decoded attachment, {@link #recognises recognised} by this kind
     * @param links   maps each link target found to the click URL that replaces it, or {@code null} to leave that
     *                target as written (internal or exempt domains, not http(s)); it counts the links against
     *                {@code max.links} and records them. {@link LinkTokens.Kind#FORM} for a target that receives
     *                what a form holds (a PDF {@code SubmitForm} action), {@link LinkTokens.Kind#LINK} otherwise
     * @param signed  whether signed documents are rewritten too ({@code rewrite.signed}); when false a signed
     *                document (a PDF with a signature value, an Office file with a digital signature part) is left
     *                as written with {@link DocumentException.Reason#SIGNED}
     * @return the rewritten document, or {@code decoded} itself (the same array) when no target was replaced
     * @throws DocumentException when the document is left as written, with the reason for the log line (never the
     *                           document's content)
     */
    byte[] rewrite(byte[] decoded, Replacer links, boolean signed) throws DocumentException;

    /** What replaces one link target (see {@link DocumentLinks#rewrite}). */
    @FunctionalInterface
    interface Replacer {
        /** The click URL for {@code target}, or {@code null} to leave it as written. */
        String replacement(String target, LinkTokens.Kind kind);
    }

    /** A document left as written, and why. */
    final class DocumentException extends Exception {

        private static final long serialVersionUID = 1L;

        /** Why a document is left as written. */
        enum Reason {
            /** Signed, and {@code rewrite.signed} is off: a rewritten link would break the signature. */
            SIGNED,
            /** Encrypted so that it cannot be read or written back without a password the gateway does not have. */
            ENCRYPTED,
            /** Beyond one of the implementation's bounds (entries, objects, sizes, nesting). */
            TOO_LARGE,
            /** Not readable as this kind of document (damaged, or only looking like one). */
            UNREADABLE
        }

        private final Reason reason;

        DocumentException(Reason reason, String detail) {
            super(detail);
            this.reason = reason;
        }

        DocumentException(Reason reason, String detail, Throwable cause) {
            super(detail, cause);
            this.reason = reason;
        }

        Reason reason() {
            return reason;
        }
    }
}
