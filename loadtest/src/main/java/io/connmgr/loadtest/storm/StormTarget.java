package io.connmgr.loadtest.storm;

import io.connmgr.loadtest.fleet.LiveWorkers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The server a storm is run against: the appliance, or mosquitto as its peer. */
interface StormTarget extends AutoCloseable {
    /** "appliance" or the peer's name. */
    String name();

    /** What the devices speak to it. */
    LiveWorkers.Protocol protocol();

    int port();

    /** The fleet key the devices' tokens are minted from; null when the devices need none. */
    Path fleetKeyFile();

    /** The server's process now; changes with each restart. */
    long pid();

    /**
     * Ends the server process (SIGKILL when {@code kill}, else SIGTERM, letting it drain as it would on a planned
     * restart) and starts it again on the same port and data; returns once it accepts connections again.
     */
    void restart(boolean kill) throws IOException, InterruptedException;

    /** Whether the server counts its connected devices itself ({@link #serverConnections}). */
    boolean countsConnections();

    /** Connected devices as the server itself counts them; -1 when it does not count, or cannot be asked now. */
    long serverConnections();

    /** Further columns for the time series (the appliance's tier counts); empty when the server has none. */
    Map<String, Number> serverColumns();

    @Override
    void close();
}
