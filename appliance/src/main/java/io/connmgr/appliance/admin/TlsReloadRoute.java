package io.connmgr.appliance.admin;

import io.connmgr.appliance.transport.tls.ApplianceTls;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.function.Supplier;

/**
 * POST /v1/admin/tls/reload: reads the certificate, key and CA files again, as SIGHUP does. New handshakes use them;
 * connections already up are not touched. A reload that fails leaves the previous certificate in use and says why.
 */
final class TlsReloadRoute {
    private final Supplier<ApplianceTls.Reload> reload;

    TlsReloadRoute(Supplier<ApplianceTls.Reload> reload) {
        this.reload = reload;
    }

    AdminResponse reload(AdminRequest request) {
        ApplianceTls.Reload r = reload.get();
        if (r.error() != null) {
            throw new ApiException(HttpResponseStatus.UNPROCESSABLE_ENTITY, "tls_reload_failed",
                    r.error() + " (the previous certificate stays in use)");
        }
        return AdminResponse.json(HttpResponseStatus.OK, r);
    }
}
