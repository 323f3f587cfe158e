package org.streamail.api.model;

import java.util.List;
import java.util.Objects;

/**
 * A leaf MIME part that is not a displayed body: a file, an inline image, a nested message, or any part
 * with a name. Bodies ({@code text/plain}, {@code text/html} without a name) are in {@link ParsedMessage}.
 *
 * @param part            the MIME part path, e.g. {@code "2"} or {@code "1.3"}; never {@code null}
 * @param fileName        {@code filename=} of Content-Disposition, RFC 2231/2047 decoded, NFC; or {@code ""}
 * @param contentTypeName {@code name=} of Content-Type, decoded the same way; or {@code ""}
 * @param declaredType    the declared media type, lower case, without parameters ({@code "application/pdf"})
 * @param detectedType    the media type sniffed from the bytes, or {@code "application/octet-stream"} when
 *                        nothing was recognised
 * @param disposition     {@code "attachment"}, {@code "inline"} or {@code ""}
 * @param headers         the part's own header fields
 * @param content         the decoded bytes (transfer encoding removed)
 * @param decodingProblem a description of a transfer-encoding problem (bad base64), or {@code ""}
 */
public record Attachment(
        String part,
        String fileName,
        String contentTypeName,
        String declaredType,
        String detectedType,
        String disposition,
        List<Header> headers,
        Content content,
        String decodingProblem) {

    public Attachment {
        Objects.requireNonNull(part, "part");
        fileName = fileName == null ? "" : fileName;
        contentTypeName = contentTypeName == null ? "" : contentTypeName;
        declaredType = declaredType == null ? "application/octet-stream" : declaredType;
        detectedType = detectedType == null ? "application/octet-stream" : detectedType;
        disposition = disposition == null ? "" : disposition;
        headers = headers == null ? List.of() : List.copyOf(headers);
        content = content == null ? Content.empty() : content;
        decodingProblem = decodingProblem == null ? "" : decodingProblem;
    }

    /** The best name for display and rules: {@code filename=}, else {@code name=}, else the part path. */
    public String displayName() {
        if (!fileName.isEmpty()) {
            return fileName;
        }
        return contentTypeName.isEmpty() ? part : contentTypeName;
    }

    /** Decoded size in bytes. */
    public int size() {
        return content.size();
    }
}
