package org.streamail.core.internal.policy;

import java.util.List;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;

/**
 * The policy component (PID {@value #PID}): holds the current {@link PolicyRules} and swaps them on
 * configuration change without restarting the pipeline. A configuration that does not parse fails the
 * activation with a clear message, so the pipeline (and thus intake) is unavailable rather than running a
 * policy nobody asked for. Thread-safe: rules are immutable and published through a volatile field.
 */
@Component(service = Policy.class, configurationPid = Policy.PID)
@Designate(ocd = PolicyConfig.class)
public class Policy {

    public static final String PID = "org.streamail.policy";
    private static final Logger LOG = LoggerFactory.getLogger(Policy.class);

    private volatile PolicyRules rules;

    @Activate
    public Policy(PolicyConfig config) {
        this.rules = rulesOf(config);
        LOG.info("Policy active: {}", rules);
    }

    // Private: DS picks the public constructor by parameter count, so there must be only one with one.
    private Policy(PolicyRules rules) {
        this.rules = rules;
    }

    /** A policy with fixed rules, outside OSGi (tests, bench). */
    public static Policy fixed(PolicyRules rules) {
        return new Policy(rules);
    }

    @Modified
    void modified(PolicyConfig config) {
        this.rules = rulesOf(config);
        LOG.info("Policy changed: {}", rules);
    }

    private static PolicyRules rulesOf(PolicyConfig c) {
        try {
            return PolicyRules.parse(c.tag_score(), c.quarantine_score(), c.reject_score(), c.mandatory_detectors(),
                    c.category_actions(), c.rule_actions(), c.error_action());
        } catch (IllegalArgumentException e) {
            LOG.error("Invalid configuration {}: {}", PID, e.getMessage());
            throw e;
        }
    }

    public Verdict evaluate(List<Finding> findings) {
        return rules.evaluate(findings);
    }

    public Set<String> mandatory() {
        return rules.mandatory();
    }

    public PolicyRules rules() {
        return rules;
    }
}
