package org.streamail.core.internal.policy;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(name = "Streamail policy",
        description = "Turns detector findings into one action per message.")
@interface PolicyConfig {

    @AttributeDefinition(name = "tag.score", description = "Score at which a message is tagged")
    double tag_score() default 5.0;

    @AttributeDefinition(name = "quarantine.score", description = "Score at which a message is quarantined")
    double quarantine_score() default 8.0;

    @AttributeDefinition(name = "reject.score", description = "Score at which a message is rejected during SMTP")
    double reject_score() default 15.0;

    @AttributeDefinition(name = "mandatory.detectors",
            description = "Comma-separated detector names; while one is absent, mail gets 451")
    String mandatory_detectors() default "";

    @AttributeDefinition(name = "category.actions",
            description = "Comma-separated CATEGORY=ACTION; the action applies whenever a finding has the category")
    String category_actions() default "MALFORMED=QUARANTINE";

    @AttributeDefinition(name = "rule.actions",
            description = "Comma-separated detector/rule=ACTION, e.g. content/encrypted-archive=QUARANTINE")
    String rule_actions() default "";

    @AttributeDefinition(name = "error.action",
            description = "Action when a mandatory detector failed or timed out")
    String error_action() default "QUARANTINE";

    @AttributeDefinition(name = "welcome.rules",
            description = "Comma-separated detector/rule names whose finding marks a welcome sender: its spam findings"
                    + " below reject.score are not counted (score and actions). Empty: none")
    String welcome_rules() default PolicyRules.DEFAULT_WELCOME_RULES;
}
