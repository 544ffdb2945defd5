package io.connmgr.appliance.session;

import io.connmgr.appliance.store.DeviceSettings;
import io.connmgr.appliance.store.SessionRecord;
import io.connmgr.appliance.store.SessionState;
import io.netty.channel.Channel;

/**
 * The state of one awake (ACTIVE or IDLE) device connection. Mutated only on its channel's event loop; the fields the
 * tier sweeper reads from its own thread are volatile.
 */
public final class DeviceSession {
    private final String deviceId;
    private final long deviceKey;
    private final byte[] resumeToken;
    private final long connectedAtMillis;
    private final String remoteAddress;
    private final Channel channel;

    private volatile Tier tier;
    private volatile long tierSinceMillis;
    private volatile long lastActivityNanos;
    private volatile long lastActivityMillis;
    private volatile long lastSeenNanos;
    private volatile DeviceSettings overrides;
    private volatile EffectiveSettings settings;
    private volatile int keepAliveSeconds;
    private volatile boolean closing;
    private volatile boolean transitioning;
    private long lastUplinkSeq;
    private long uplinkJournaled;
    private int uplinksUnjournaled;
    private long lastDownlinkSeq;
    private long downlinkAcked;
    private volatile int serverLinks;
    private int repliesOwed;
    private volatile boolean sleepQueued;

    public DeviceSession(String deviceId, long deviceKey, byte[] resumeToken, Channel channel, String remoteAddress,
                         long connectedAtMillis, DeviceSettings overrides, EffectiveSettings settings,
                         int keepAliveSeconds, long lastUplinkSeq, long lastDownlinkSeq, TimeSource time) {
        this.deviceId = deviceId;
        this.deviceKey = deviceKey;
        this.resumeToken = resumeToken;
        this.channel = channel;
        this.remoteAddress = remoteAddress;
        this.connectedAtMillis = connectedAtMillis;
        this.overrides = overrides;
        this.settings = settings;
        this.keepAliveSeconds = keepAliveSeconds;
        this.lastUplinkSeq = lastUplinkSeq;
        this.uplinkJournaled = lastUplinkSeq;
        this.lastDownlinkSeq = lastDownlinkSeq;
        this.downlinkAcked = lastDownlinkSeq;
        this.tier = Tier.ACTIVE;
        long now = time.nanoTime();
        this.lastActivityNanos = now;
        this.lastSeenNanos = now;
        this.tierSinceMillis = time.currentTimeMillis();
        this.lastActivityMillis = tierSinceMillis;
    }

    public String deviceId() {
        return deviceId;
    }

    public long deviceKey() {
        return deviceKey;
    }

    public byte[] resumeToken() {
        return resumeToken;
    }

    /** A fingerprint of the resume token: what the store tags this session's sequence numbers with. */
    public long sessionTag() {
        return tagOf(resumeToken);
    }

    public static long tagOf(byte[] resumeToken) {
        return java.nio.ByteBuffer.wrap(resumeToken, 0, Long.BYTES).getLong();
    }

    public Channel channel() {
        return channel;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    public long connectedAtMillis() {
        return connectedAtMillis;
    }

    public Tier tier() {
        return tier;
    }

    public long tierSinceMillis() {
        return tierSinceMillis;
    }

    /** Only the connection manager changes tiers. */
    public void tier(Tier tier, long nowMillis) {
        this.tier = tier;
        this.tierSinceMillis = nowMillis;
    }

    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    public long lastActivityMillis() {
        return lastActivityMillis;
    }

    /** Application data moved; keep-alives do not call this, so they never hold a connection awake. */
    public void activity(TimeSource time) {
        long now = time.nanoTime();
        lastActivityNanos = now;
        lastSeenNanos = now;
        lastActivityMillis = time.currentTimeMillis();
    }

    public long lastSeenNanos() {
        return lastSeenNanos;
    }

    /** Any byte arrived, keep-alives included: the device is alive. */
    public void seen(long nowNanos) {
        lastSeenNanos = nowNanos;
    }

    public DeviceSettings overrides() {
        return overrides;
    }

    public EffectiveSettings settings() {
        return settings;
    }

    public void settings(DeviceSettings overrides, EffectiveSettings effective) {
        this.overrides = overrides;
        this.settings = effective;
    }

    public int keepAliveSeconds() {
        return keepAliveSeconds;
    }

    public void keepAliveSeconds(int seconds) {
        this.keepAliveSeconds = seconds;
    }

    public boolean closing() {
        return closing;
    }

    public void markClosing() {
        closing = true;
    }

    /** True while a demotion that needs the store is in flight, so the sweeper does not start a second one. */
    public boolean transitioning() {
        return transitioning;
    }

    public void transitioning(boolean value) {
        transitioning = value;
    }

    public long lastUplinkSeq() {
        return lastUplinkSeq;
    }

    public void lastUplinkSeq(long seq) {
        lastUplinkSeq = seq;
    }

    /** Highest uplink sequence number that is journaled, and so acknowledged to the device. */
    public long uplinkJournaled() {
        return uplinkJournaled;
    }

    public void uplinkJournaled(long seq) {
        uplinkJournaled = Math.max(uplinkJournaled, seq);
    }

    /** Changes the count of accepted uplink MSGs still on their way to the journal by {@code delta}; the new count. */
    public int uplinksUnjournaled(int delta) {
        uplinksUnjournaled += delta;
        return uplinksUnjournaled;
    }

    /** Highest downlink sequence number sent to the device. */
    public long lastDownlinkSeq() {
        return lastDownlinkSeq;
    }

    public void lastDownlinkSeq(long seq) {
        lastDownlinkSeq = seq;
    }

    /** Highest downlink sequence number the device has acknowledged. */
    public long downlinkAcked() {
        return downlinkAcked;
    }

    public void downlinkAcked(long seq) {
        downlinkAcked = seq;
    }

    /** The performance monitor has asked for this connection to sleep; the request waits for its event loop. */
    public void sleepQueued(boolean queued) {
        sleepQueued = queued;
    }

    /** On its way out of the awake set: being parked, closing, or queued to sleep. */
    public boolean leaving() {
        return transitioning || closing || sleepQueued;
    }

    /** Replies the device is owed, such as a command waiting for the store: parking now would lose them. */
    public boolean repliesOwed() {
        return repliesOwed > 0;
    }

    public void replyOwed(int delta) {
        repliesOwed += delta;
    }

    public int serverLinks() {
        return serverLinks;
    }

    public void serverLinks(int n) {
        serverLinks = n;
    }

    /**
     * Whether {@code record} still describes this session's sequence numbers: false once a MSG has been sent or
     * accepted in either direction after it was taken.
     */
    public boolean matches(SessionRecord record) {
        return record.lastUplinkSeq() == lastUplinkSeq && record.lastDownlinkSeq() == lastDownlinkSeq;
    }

    /**
     * The record that represents this session in the store. Its uplink seq is the journaled one: a MSG accepted but
     * not yet durable is one the device will send again.
     */
    public SessionRecord toRecord(SessionState state, long nowMillis) {
        return new SessionRecord(deviceId, deviceKey, resumeToken, state, nowMillis, lastActivityMillis,
                remoteAddress, uplinkJournaled, lastDownlinkSeq, connectedAtMillis, keepAliveSeconds);
    }
}
