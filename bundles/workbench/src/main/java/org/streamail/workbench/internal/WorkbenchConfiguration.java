package org.streamail.workbench.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = "org.streamail.workbench", name = "Streamail workbench",
        description = "The SWT admin desktop: which gateway it offers to connect to, and how it waits for it.")
@interface WorkbenchConfiguration {

    @AttributeDefinition(name = "Gateway URL", description = "HTTP root of the gateway, pre-filled in the "
            + "Connection view (the REST API is below /streamail/api/v1)")
    String gateway_url() default "http://127.0.0.1:8181";

    @AttributeDefinition(name = "User", description = "User name pre-filled in the Connection view. "
            + "Passwords are never configured: they are typed and kept in memory only.")
    String gateway_user() default "admin";

    @AttributeDefinition(name = "Gateway certificate (SHA-256)", description = "SHA-256 fingerprint of the "
            + "gateway's TLS certificate (hex, colons optional, as keytool -list -v prints it). When set, an https:// "
            + "gateway is trusted if and only if it presents exactly this certificate (the pin is its identity: no "
            + "trust store, no host name check). Empty: the JVM's trust store and the host name check.")
    String gateway_certificate_sha256() default "";

    @AttributeDefinition(name = "Allow plain HTTP to remote hosts", description = "Send the password over "
            + "http:// to a host that is not loopback (localhost, 127.0.0.0/8, ::1). Off by default: the password "
            + "would cross the network unencrypted. Use https:// instead.")
    boolean allow_plain_http() default false;

    @AttributeDefinition(name = "Connect timeout (s)", min = "1", max = "120")
    int connect_timeout_seconds() default 5;

    @AttributeDefinition(name = "Request timeout (s)", min = "1", max = "600")
    int request_timeout_seconds() default 30;

    @AttributeDefinition(name = "Window title")
    String window_title() default "Streamail Workbench";

    @AttributeDefinition(name = "Exit on close", description = "Stop the OSGi framework when the user "
            + "closes the window (right for the workbench-only instance the launcher starts)")
    boolean exit_on_close() default true;
}
