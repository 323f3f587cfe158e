package org.streamail.api.dkim;

import java.util.Objects;

/**
 * {@link DkimKeys#generate} refused to write a key file because a file of that name exists already (a key file is
 * never replaced). An {@link IllegalArgumentException}, as every refusal of {@code generate} is, so that a caller may
 * tell this one apart (a conflict with what is on disk) or treat them all alike.
 */
public class DkimKeyFileExistsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String file;

    /**
     * @param file    the file that exists
     * @param message what happened and what to do, naming the file
     */
    public DkimKeyFileExistsException(String file, String message) {
        super(message);
        this.file = Objects.requireNonNull(file, "file");
    }

    /** The file that exists, as {@code generate} would have written it. */
    public String file() {
        return file;
    }
}
