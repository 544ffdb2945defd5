package io.connmgr.loadtest.storm;

import io.connmgr.loadtest.fleet.LiveWorkers;
import io.connmgr.loadtest.launch.MosquittoPeer;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** mosquitto as a storm's peer: restarted on the same port; it does not report its own connection count. */
final class MosquittoTarget implements StormTarget {
    private final MosquittoPeer peer;

    MosquittoTarget(MosquittoPeer peer) {
        this.peer = peer;
    }

    String version() {
        return peer.version();
    }

    @Override
    public String name() {
        return MosquittoPeer.NAME;
    }

    @Override
    public LiveWorkers.Protocol protocol() {
        return LiveWorkers.Protocol.MQTT;
    }

    @Override
    public int port() {
        return peer.port();
    }

    @Override
    public Path fleetKeyFile() {
        return null;
    }

    @Override
    public long pid() {
        return peer.pid();
    }

    @Override
    public void restart(boolean kill) throws IOException {
        peer.broker().restart(kill, Duration.ofSeconds(30));
    }

    @Override
    public boolean countsConnections() {
        return false;
    }

    @Override
    public long serverConnections() {
        return -1;
    }

    @Override
    public Map<String, Number> serverColumns() {
        return Map.of();
    }

    @Override
    public void close() {
        peer.close();
    }
}
