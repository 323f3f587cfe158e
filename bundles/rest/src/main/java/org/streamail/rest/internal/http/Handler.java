package org.streamail.rest.internal.http;

/** Serves one route. Throws {@link ApiException} for client errors; anything else becomes a 500. */
@FunctionalInterface
public interface Handler {
    ApiResponse handle(ApiRequest request);
}
