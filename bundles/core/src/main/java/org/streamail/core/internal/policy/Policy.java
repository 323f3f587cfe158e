package org.streamail.core.internal.policy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.streamail.api.config.ConfigCheck;
import org.streamail.api.model.Finding;
import org.streamail.api.model.Verdict;

/**
 * The policy component (PID {@value #PID}): holds the current {@link PolicyRules} and swaps them on
 * configuration change without restarting the pipeline. A configuration that does not parse fails the
 * activation with a clear message, so the pipeline (and thus intake) is unavailable rather than running a
 * policy nobody asked for. The raw properties are checked strictly first ({@link ConfigCheck}): DS would
 * fail on {@code tag.score = high} without naming the property; a key nothing reads is logged as a probable
 * typo. An invalid change while active is refused with one ERROR and the previous rules stay. Thread-safe:
 * rules are immutable and published through a volatile field.
 */
@Component(service = Policy.class, configurationPid = Policy.PID)
@Designate(ocd = PolicyConfig.class)
public class Policy {

    public static final String PID = "org.streamail.policy";
    private static final Logger LOG = LoggerFactory.getLogger(Policy.class);

    private volatile PolicyRules rules;

    /**
     * @throws IllegalArgumentException naming the property when a value does not parse (DS logs it and the
     *                                  component stays inactive until the configuration is fixed)
     */
    @Activate
    public Policy(PolicyConfig config, Map<String, Object> properties) {
        checkProperties(properties);
        try {
            this.rules = rulesOf(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Invalid configuration {}: {}", PID, e.getMessage());
            throw e;
        }
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

    /**
     * Applies a changed configuration. An invalid one (a value that does not parse, or rules that do not) is
     * refused before anything changes: one ERROR, and the previous rules stay in force.
     */
    @Modified
    void modified(PolicyConfig config, Map<String, Object> properties) {
        PolicyRules next;
        try {
            checkProperties(properties);
            next = rulesOf(config);
        } catch (IllegalArgumentException e) {
            LOG.error("Policy configuration change refused: {}; keeping the previous configuration ({})", e.getMessage(),
                    rules);
            return;
        }
        this.rules = next;
        LOG.info("Policy changed: {}", rules);
    }

    /**
     * Checks the raw properties before any config method is read and logs each key nothing reads (a probable
     * typo). Returns those keys.
     *
     * @throws IllegalArgumentException naming the PID and the property at the first value that does not parse
     */
    static List<String> checkProperties(Map<String, ?> properties) {
        List<String> unknown = ConfigCheck.check(PID, PolicyConfig.class, properties);
        unknown.forEach(k -> LOG.warn("{}: unknown property '{}' ignored (misspelled?)", PID, k));
        return unknown;
    }

    private static PolicyRules rulesOf(PolicyConfig c) {
        return PolicyRules.parse(c.tag_score(), c.quarantine_score(), c.reject_score(), c.mandatory_detectors(),
                c.category_actions(), c.rule_actions(), c.error_action(), c.welcome_rules());
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
