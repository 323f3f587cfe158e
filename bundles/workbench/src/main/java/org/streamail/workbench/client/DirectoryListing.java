package org.streamail.workbench.client;

import java.util.List;

/** The directory: registered addresses and the protected domains. Lists unmodifiable. */
public record DirectoryListing(List<DirectoryItem> items, List<String> domains) {

    public DirectoryListing {
        items = List.copyOf(items);
        domains = List.copyOf(domains);
    }
}
