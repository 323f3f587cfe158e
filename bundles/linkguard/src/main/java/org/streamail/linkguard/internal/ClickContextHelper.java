package org.streamail.linkguard.internal;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContext;

/**
 * The servlet context {@value #NAME} at {@value #PATH}, without authentication: workstations open rewritten
 * links without logging in. It exists because the REST bundle's {@code streamail} context at
 * {@code /streamail} authenticates every request under it; a request is served by the context with the
 * longest matching path (Servlet specification, and pax-web gives each whiteboard context path its own
 * Jetty context), so {@code /streamail/click/...} comes here. Stateless.
 */
@Component(service = ServletContextHelper.class)
@HttpWhiteboardContext(name = ClickContextHelper.NAME, path = ClickContextHelper.PATH)
public class ClickContextHelper extends ServletContextHelper {

    static final String NAME = "streamail-click";
    static final String PATH = "/streamail/click";

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) {
        return true; // the token is the authority: it was signed by the gateway
    }
}
