package io.connmgr.appliance.admin;

import io.connmgr.appliance.session.Tier;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.List;

/** Reading devices: one by id, or a page of them in id order. */
final class DeviceQueryRoutes {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final DeviceDirectory directory;

    DeviceQueryRoutes(DeviceDirectory directory) {
        this.directory = directory;
    }

    AdminResponse device(AdminRequest request) {
        String deviceId = request.deviceId();
        DeviceView view = directory.device(deviceId).orElseThrow(() -> ApiException.unknownDevice(deviceId));
        return AdminResponse.json(HttpResponseStatus.OK, DeviceJson.of(view));
    }

    AdminResponse list(AdminRequest request) {
        Tier tier = request.queryParameter("tier").map(DeviceQueryRoutes::tier).orElse(null);
        int limit = request.queryParameter("limit").map(DeviceQueryRoutes::limit).orElse(DEFAULT_LIMIT);
        String cursor = request.queryParameter("cursor").map(DeviceQueryRoutes::cursor).orElse(null);
        DeviceDirectory.Page page = directory.list(tier, limit, cursor);
        List<DeviceJson> devices = page.devices().stream().map(DeviceJson::of).toList();
        return AdminResponse.json(HttpResponseStatus.OK, new DevicePage(devices, page.nextCursor()));
    }

    private static Tier tier(String text) {
        Tier tier = Tier.parse(text);
        if (tier == null) {
            throw ApiException.badRequest("tier must be one of ACTIVE, IDLE, SLEEP, DISCONNECTED");
        }
        return tier;
    }

    private static int limit(String text) {
        int limit;
        try {
            limit = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.badRequest("limit must be an integer from 1 to " + MAX_LIMIT);
        }
        return limit;
    }

    /** A cursor is the last device id of the previous page, so it obeys the device id rule. */
    private static String cursor(String text) {
        try {
            return AdminRequest.validDeviceId(text);
        } catch (ApiException e) {
            throw ApiException.badRequest("cursor must be a next_cursor value from a previous page");
        }
    }

    /** @param nextCursor pass as {@code cursor} to get the next page; null on the last page */
    record DevicePage(List<DeviceJson> devices, String nextCursor) {
    }
}
