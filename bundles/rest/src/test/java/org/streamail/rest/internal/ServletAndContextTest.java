package org.streamail.rest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.osgi.service.http.context.ServletContextHelper;
import org.streamail.rest.internal.auth.AuthenticatedUser;
import org.streamail.rest.internal.auth.AuthenticationUnavailableException;
import org.streamail.rest.internal.auth.Authenticator;

/** The two OSGi-facing classes driven through hand-made servlet requests: authentication, then the API. */
class ServletAndContextTest {

    static final Authenticator USERS = (user, password) -> switch (user + ":" + password) {
        case "root:s3cret:with:colons" -> Optional.of(new AuthenticatedUser("root", Set.of("admin", "group")));
        case "watcher:pw" -> Optional.of(new AuthenticatedUser("watcher", Set.of("viewer")));
        case "karaf:pw" -> Optional.of(new AuthenticatedUser("karaf", Set.of("manager", "ssh")));
        case "broken:pw" -> throw new AuthenticationUnavailableException("realm down", null);
        default -> Optional.empty();
    };

    final StreamailContextHelper context = new StreamailContextHelper(USERS);
    final InMemoryGateway gateway = new InMemoryGateway();
    final ApiServlet servlet = new ApiServlet(new RestApi(gateway.services(), new RestApi.Limits(1024, 256)));

    static String basic(String userColonPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
    }

    /** Runs a request through the context's security check and, if admitted, the servlet. */
    FakeHttp.Response exchange(FakeHttp.Request request) throws Exception {
        FakeHttp.Response response = new FakeHttp.Response();
        var req = request.proxy();
        var resp = response.proxy();
        if (context.handleSecurity(req, resp)) {
            servlet.service(req, resp);
        }
        return response;
    }

    static FakeHttp.Request request(String method, String path, String authorization) {
        FakeHttp.Request r = new FakeHttp.Request();
        r.method = method;
        r.pathInfo = path;
        if (authorization != null) {
            r.headers.put("Authorization", authorization);
        }
        return r;
    }

    @Test
    void missingCredentialsAreUnauthorizedWithABasicChallenge() throws Exception {
        FakeHttp.Response r = exchange(request("GET", "/health", null));
        assertThat(r.status).isEqualTo(401);
        assertThat(r.headers.get("WWW-Authenticate")).startsWith("Basic realm=\"streamail\"");
        assertThat(r.contentType).isEqualTo("application/json");
        assertThat(r.bodyText()).isEqualTo("{\"error\":\"authentication required\",\"status\":401}");
    }

    @Test
    void wrongPasswordOrGarbledHeaderIsUnauthorized() throws Exception {
        for (String header : new String[] {basic("watcher:wrong"), "Basic !!!notbase64", basic("nocolon"),
                "Bearer abc", "Basic " + "A".repeat(5000)}) {
            FakeHttp.Response r = exchange(request("GET", "/health", header));
            assertThat(r.status).as(header).isEqualTo(401);
            assertThat(r.headers).as(header).containsKey("WWW-Authenticate");
        }
    }

    @Test
    void userWithoutAnApiRoleIsForbiddenAndGetsNoChallenge() throws Exception {
        FakeHttp.Response r = exchange(request("GET", "/health", basic("karaf:pw")));
        assertThat(r.status).isEqualTo(403);
        assertThat(r.headers).doesNotContainKey("WWW-Authenticate");
        assertThat(r.bodyText()).contains("neither the admin nor the viewer role");
    }

    @Test
    void unavailableRealmIsServiceUnavailable() throws Exception {
        assertThat(exchange(request("GET", "/health", basic("broken:pw"))).status).isEqualTo(503);
    }

    @Test
    void admittedRequestCarriesTheUserForTheServlet() throws Exception {
        FakeHttp.Request req = request("GET", "/health", basic("root:s3cret:with:colons"));
        FakeHttp.Response r = exchange(req);
        assertThat(r.status).isEqualTo(200);
        assertThat(req.attributes.get(ServletContextHelper.REMOTE_USER)).isEqualTo("root");
        assertThat(req.attributes.get(ServletContextHelper.AUTHENTICATION_TYPE)).isEqualTo("BASIC");
        assertThat(r.contentType).isEqualTo("application/json");
        assertThat(r.headers.get("Cache-Control")).isEqualTo("no-store");
        assertThat(r.contentLength).isEqualTo(r.body.size());
        assertThat(r.bodyText()).startsWith("{\"status\":\"UP\",\"ready\":true");
    }

    @Test
    void viewerPostIsForbiddenAndNothingIsReleased() throws Exception {
        gateway.hold("q1", "s", InMemoryGateway.PHISHING, new byte[] {'x'});
        FakeHttp.Response r = exchange(request("POST", "/quarantine/q1/release", basic("watcher:pw")));
        assertThat(r.status).isEqualTo(403);
        assertThat(gateway.held.get("q1").status().name()).isEqualTo("HELD");

        FakeHttp.Response ok = exchange(request("POST", "/quarantine/q1/release", basic("root:s3cret:with:colons")));
        assertThat(ok.status).isEqualTo(200);
        assertThat(gateway.held.get("q1").actedBy()).isEqualTo("root");
    }

    @Test
    void declaredOversizedBodyIsRefusedBeforeReading() throws Exception {
        FakeHttp.Request req = request("POST", "/scan", basic("root:s3cret:with:colons"));
        req.headers.put("Content-Type", "message/rfc822");
        req.contentLength = 10_000_000;
        FakeHttp.Response r = exchange(req);
        assertThat(r.status).isEqualTo(413);
        assertThat(gateway.lastScanBytes).isNull();
    }

    @Test
    void rawMessageIsSentAsAnAttachmentWithItsBytes() throws Exception {
        byte[] raw = "Subject: x\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);
        gateway.hold("q1", "s", InMemoryGateway.PHISHING, raw);
        FakeHttp.Response r = exchange(request("GET", "/quarantine/q1/raw", basic("watcher:pw")));
        assertThat(r.status).isEqualTo(200);
        assertThat(r.contentType).isEqualTo("message/rfc822");
        assertThat(r.headers.get("Content-Disposition")).isEqualTo("attachment; filename=\"q1.eml\"");
        assertThat(r.body.toByteArray()).isEqualTo(raw);
    }

    @Test
    void malformedQueryStringIsABadRequest() throws Exception {
        FakeHttp.Request req = request("GET", "/messages", basic("watcher:pw"));
        req.query = "limit=%G1";
        FakeHttp.Response r = exchange(req);
        assertThat(r.status).isEqualTo(400);
        assertThat(r.bodyText()).contains("malformed query string");
    }
}
