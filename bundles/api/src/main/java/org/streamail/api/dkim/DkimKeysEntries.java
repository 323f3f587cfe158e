package org.streamail.api.dkim;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The signing configuration's {@code keys} after a key {@link DkimKeys#generate} made is added: what the shell's
 * {@code dkim-keygen}, the REST API's {@code POST /dkim/keys} and the workbench tell the administrator to configure,
 * by one rule. A domain signs with at most one RSA and one Ed25519 key (RFC 8463 suggests both while receivers catch
 * up), so the new key takes the place of its domain's key of the same algorithm, and of one whose file cannot be
 * read now (its algorithm unknown: a domain must not end up with three entries); its domain's key of the other
 * algorithm stays beside it, and so does every other domain's.
 *
 * @param entries  the {@code keys} entries, {@code domain:selector:file}, the configured ones first in their order
 *                 and the new one last
 * @param replaced the selectors of the entries the new key takes the place of, in their order; empty when none
 */
public record DkimKeysEntries(List<String> entries, List<String> replaced) {

    public DkimKeysEntries {
        entries = List.copyOf(entries);
        replaced = List.copyOf(replaced);
    }

    /**
     * @param configured the keys configured now ({@link DkimStatus#keys()})
     * @param added      the key just made
     */
    public static DkimKeysEntries adding(List<DkimKeyStatus> configured, NewDkimKey added) {
        Objects.requireNonNull(added, "added");
        List<String> entries = new ArrayList<>();
        List<String> replaced = new ArrayList<>();
        for (DkimKeyStatus s : configured) {
            Optional<DkimAlgorithm> algorithm = s.algorithm();
            boolean takesItsPlace = s.domain().equals(added.domain())
                    && (algorithm.isEmpty() || algorithm.get() == added.algorithm());
            if (takesItsPlace) {
                replaced.add(s.selector());
            } else {
                entries.add(s.domain() + ":" + s.selector() + ":" + s.file());
            }
        }
        entries.add(added.keysEntry());
        return new DkimKeysEntries(entries, replaced);
    }

    /** The whole {@code keys} value: the entries joined by {@code ", "}. */
    public String value() {
        return String.join(", ", entries);
    }
}
