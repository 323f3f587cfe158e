package org.streamail.digest.internal;

import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.http.context.ServletContextHelper;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardContext;

/**
 * The servlet context {@value #NAME} at {@value #PATH}, without authentication: users open their digest link from a
 * mail, without an account on the gateway. It exists because the REST bundle's {@code streamail} context at
 * {@code /streamail} authenticates every request under it; a request is served by the context with the longest
 * matching path (Servlet specification; pax-web gives each whiteboard context path its own Jetty context), so
 * {@code /streamail/digest/...} comes here. Stateless.
 */
@Component(service = ServletContextHelper.class)
@HttpWhiteboardContext(name = DigestContextHelper.NAME, path = DigestContextHelper.PATH)
public class DigestContextHelper extends ServletContextHelper {

    static final String NAME = "streamail-digest";
    static final String PATH = "/streamail/digest";

    @Override
    public boolean handleSecurity(HttpServletRequest request, HttpServletResponse response) {
        return true; // the token is the authority: it was signed by the gateway for one recipient
    }
}
