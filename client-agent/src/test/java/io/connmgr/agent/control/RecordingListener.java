package io.connmgr.agent.control;

import io.connmgr.protocol.message.GoAway;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what a {@link DeviceClient} reports, with the time ({@link System#nanoTime()}) of each state change. */
final class RecordingListener implements DeviceClientListener {
    record Timed(StateChange change, long atNanos) {
    }

    record Message(long seq, String text) {
    }

    final List<Timed> states = new CopyOnWriteArrayList<>();
    final List<Message> messages = new CopyOnWriteArrayList<>();
    final List<GoAway> goAways = new CopyOnWriteArrayList<>();

    @Override
    public void onStateChange(StateChange change) {
        states.add(new Timed(change, System.nanoTime()));
    }

    @Override
    public void onMessage(long seq, byte[] payload) {
        messages.add(new Message(seq, new String(payload, java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Override
    public void onGoAway(GoAway goAway) {
        goAways.add(goAway);
    }

    List<Timed> in(ConnectionState state) {
        return states.stream().filter(t -> t.change().state() == state).toList();
    }

    Timed first(ConnectionState state) {
        return in(state).getFirst();
    }

    boolean reached(ConnectionState state, int times) {
        return in(state).size() >= times;
    }
}
