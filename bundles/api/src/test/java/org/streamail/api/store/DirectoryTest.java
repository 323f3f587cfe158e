package org.streamail.api.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DirectoryTest {

    static Directory of(Set<String> domains) {
        return new Directory() {
            @Override
            public RecipientCheck check(String address) {
                return RecipientCheck.FOREIGN;
            }

            @Override
            public Set<String> protectedDomains() {
                return domains;
            }

            @Override
            public boolean isProtectedDomain(String domain) {
                return domains.contains(domain);
            }

            @Override
            public List<DirectoryEntry> list() {
                return List.of();
            }

            @Override
            public Optional<DirectoryEntry> find(String address) {
                return Optional.empty();
            }

            @Override
            public DirectoryEntry add(String address, String displayName) {
                throw new IllegalArgumentException(address);
            }

            @Override
            public boolean remove(String address) {
                return false;
            }
        };
    }

    @Test
    void theGatewaysOwnAddressIsInTheFirstProtectedDomainThatMakesAPlainAddress() {
        assertThat(of(Set.of("Zeta.example", "corp.example", "b\u00fccher.example")).ownAddress("streamail-alerts"))
                .contains("streamail-alerts@corp.example");
        assertThat(of(Set.of("b\u00fccher.example")).ownAddress("streamail-alerts")).as("no plain address").isEmpty();
        assertThat(of(Set.of()).ownAddress("streamail-alerts")).isEmpty();
    }
}
