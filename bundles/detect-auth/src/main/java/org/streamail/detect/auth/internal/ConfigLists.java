package org.streamail.detect.auth.internal;

import java.util.ArrayList;
import java.util.List;

/** Reading the comma-separated list properties of this bundle's configurations (auth checks and signing). */
public final class ConfigLists {

    private ConfigLists() {
    }

    /** The comma-separated entries of a list property, stripped, the empty ones left out; none for null. */
    public static List<String> entries(String text) {
        List<String> out = new ArrayList<>();
        if (text != null) {
            for (String raw : text.split(",")) {
                if (!raw.isBlank()) {
                    out.add(raw.strip());
                }
            }
        }
        return out;
    }
}
