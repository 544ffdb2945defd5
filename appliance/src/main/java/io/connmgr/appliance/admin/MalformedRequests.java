package io.connmgr.appliance.admin;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/** The answer to bytes the HTTP decoder could not make into a request. The cause is never shown to the client. */
final class MalformedRequests {
    /** Route tag for requests that never got as far as routing. */
    static final String ROUTE = "malformed";

    private MalformedRequests() {
    }

    static AdminResponse response(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return AdminResponse.error(HttpResponseStatus.REQUEST_URI_TOO_LONG, "uri_too_long",
                    "request line longer than " + AdminChannelInitializer.MAX_INITIAL_LINE_BYTES + " bytes");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return AdminResponse.error(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large",
                    "request headers larger than " + AdminChannelInitializer.MAX_HEADER_BYTES + " bytes");
        }
        return AdminResponse.error(HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed HTTP request");
    }
}
