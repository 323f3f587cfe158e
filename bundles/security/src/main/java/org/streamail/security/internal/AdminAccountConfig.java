package org.streamail.security.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the first-boot admin account (PID {@code org.streamail.security}). */
@ObjectClassDefinition(
        id = "org.streamail.security",
        name = "Streamail first-boot admin account",
        description = "Creates the admin user in the karaf JAAS realm on first boot; never overwrites it.")
@interface AdminAccountConfig {

    @AttributeDefinition(name = "User name", description = "Name of the administrator account to ensure.")
    String admin_user() default "admin";

    @AttributeDefinition(name = "Group",
            description = "Karaf group the admin joins; created with roles admin, manager, viewer, systembundles, ssh if absent.")
    String admin_group() default "admingroup";

    @AttributeDefinition(name = "Users file",
            description = "The properties realm's users file; empty means ${karaf.etc}/users.properties.")
    String users_file() default "";

    @AttributeDefinition(name = "JAAS configuration file",
            description = "Where Karaf's encryption settings are read; empty means ${karaf.etc}/org.apache.karaf.jaas.cfg.")
    String jaas_config_file() default "";

    @AttributeDefinition(name = "Initial password file",
            description = "Where a generated password is written once (mode 600); empty means ${karaf.data}/streamail/initial-admin-password.")
    String password_file() default "";
}
