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
