package io.connmgr.agent.control;

import io.connmgr.agent.fake.FakeAppliance;
import io.connmgr.agent.fake.FakeAppliance.Stream;
import io.connmgr.agent.fake.LocalService;
import io.connmgr.agent.stream.Exposure;
import io.connmgr.protocol.message.Capabilities;
import io.connmgr.protocol.message.StreamClose;
import io.connmgr.protocol.message.StreamData;
import io.connmgr.protocol.message.StreamMode;
import io.connmgr.protocol.message.StreamReset;
import io.connmgr.protocol.wire.StreamStatus;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Multiplexed and data-connection streams of {@link DeviceClient} against the fake appliance (playing the back-end)
 * and real local TCP services, all on loopback. Written once, run on each transport by the subclasses: half-close and
 * reset behave differently enough between NIO and epoll to test both.
 */
abstract class DeviceStreamsTest extends DeviceStreamsTestBase {
    @Test
    void stream_relaysToALocalService_andHalfClosesBothWays() {
        LocalService echo = closing(LocalService.echo());
        DeviceClient client = connected(client().expose(exposed(7000, echo)));
        assertThat(appliance.connection(0).hello().capabilities() & Capabilities.STREAMS).isNotZero();
        var link = appliance.connection(0);

        Stream s = link.openStream(1, 7000);
        await().until(() -> s.result() != null);
        assertThat(s.result().status()).isEqualTo(StreamStatus.OK);
        assertThat(s.result().window()).isEqualTo(io.connmgr.protocol.wire.Wire.DEFAULT_STREAM_WINDOW);
        link.sendData(1, "hello ");
        link.sendData(1, "device");
        await().until(() -> s.text().equals("hello device"));

        link.send(new StreamClose(1)); // back-end half-closes: the echo service sees EOF, finishes, half-closes too
        await().until(s::closedByDevice);
        assertThat(echo.peers().getFirst().received()).isEqualTo("hello device".getBytes(StandardCharsets.UTF_8));
        await().until(() -> client.activeStreams() == 0);
        assertThat(s.resetByDevice()).isNull();
    }

    @Test
    void localHalfClose_keepsTheOtherDirectionOpen() throws Exception {
        byte[] payload = "all of it".getBytes(StandardCharsets.UTF_8);
        LocalService source = closing(LocalService.source(payload));
        DeviceClient client = connected(client().expose(exposed(7001, source)));
        var link = appliance.connection(0);

        Stream s = link.openStream(1, 7001);
        await().until(s::closedByDevice); // the service wrote and half-closed: STREAM_CLOSE after the data
        assertThat(s.bytes()).isEqualTo(payload);
        link.sendData(1, "still listening?");
        await().until(() -> source.peers().getFirst().received().length == 16);
        link.send(new StreamClose(1));
        await().until(() -> source.peers().getFirst().ended());
        await().until(() -> client.activeStreams() == 0);
    }

    @Test
    void statuses_notExposed_refused_tooManyStreams() {
        LocalService sink = closing(LocalService.sink(0));
        connected(client()
                .expose(exposed(7002, sink))
                .expose(new Exposure(7003, "127.0.0.1", LocalService.closedPort()))
                .maxStreams(1));
        var link = appliance.connection(0);

        Stream notExposed = link.openStream(1, 9999);
        Stream refused = link.openStream(3, 7003);
        await().until(() -> notExposed.result() != null && refused.result() != null);
        assertThat(notExposed.result().status()).isEqualTo(StreamStatus.NOT_EXPOSED);
        assertThat(refused.result().status()).isEqualTo(StreamStatus.REFUSED);

        Stream first = link.openStream(5, 7002);
        await().until(() -> first.result() != null);
        Stream second = link.openStream(7, 7002);
        await().until(() -> second.result() != null);
        assertThat(first.result().status()).isEqualTo(StreamStatus.OK);
        assertThat(second.result().status()).isEqualTo(StreamStatus.TOO_MANY_STREAMS);
    }

    @Test
    void multiplexedOpen_whenOnlyDataConnectionsWereNegotiated_isNotSupported() {
        LocalService echo = closing(LocalService.echo());
        connected(client().expose(exposed(7004, echo)).streamMode(StreamMode.DATA_CONNECTION));
        var link = appliance.connection(0);
        assertThat(link.hello().capabilities() & (Capabilities.STREAMS | Capabilities.DATA_CONNECTIONS))
                .isEqualTo(Capabilities.DATA_CONNECTIONS);

        Stream s = link.openStream(1, 7004);
        await().until(() -> s.result() != null);
        assertThat(s.result().status()).isEqualTo(StreamStatus.NOT_SUPPORTED);
    }

    @Test
    void resets_propagateBothWays() throws Exception {
        LocalService echo = closing(LocalService.echo());
        DeviceClient client = connected(client().expose(exposed(7005, echo)));
        var link = appliance.connection(0);

        Stream a = link.openStream(1, 7005);
        await().until(() -> echo.peers().size() == 1 && a.result() != null);
        link.send(new StreamReset(1, StreamStatus.CANCELLED));
        await().until(() -> echo.peers().getFirst().reset());

        Stream b = link.openStream(3, 7005);
        await().until(() -> echo.peers().size() == 2 && b.result() != null);
        Socket local = echo.peers().get(1).socket;
        local.setSoLinger(true, 0);
        local.close(); // the local service aborts
        await().until(() -> b.resetByDevice() != null);
        assertThat(b.resetByDevice().reason()).isEqualTo(StreamStatus.CANCELLED);
        await().until(() -> client.activeStreams() == 0);
    }

    @Test
    void dataBeyondTheGrantedWindow_isAFlowControlError() {
        LocalService sink = closing(LocalService.sink(0));
        connected(client().expose(exposed(7006, sink)).streamWindow(1024));
        var link = appliance.connection(0);

        Stream s = link.openStream(1, 7006);
        await().until(() -> s.result() != null);
        assertThat(s.result().window()).isEqualTo(1024);
        link.send(new StreamData(1, Unpooled.wrappedBuffer(new byte[1025])));

        await().until(() -> s.resetByDevice() != null);
        assertThat(s.resetByDevice().reason()).isEqualTo(StreamStatus.FLOW_CONTROL_ERROR);
    }

    @Test
    void device_neverSendsMoreThanTheApplianceGranted() {
        byte[] payload = pattern(512 * 1024);
        LocalService source = closing(LocalService.source(payload));
        connected(client().expose(exposed(7007, source)));
        appliance.autoWindow = false;
        appliance.streamWindow = 4096;
        var link = appliance.connection(0);

        Stream s = link.openStream(1, 7007);
        await().until(() -> s.bytes().length == 4096);
        link.grant(s, 4096);
        await().until(() -> s.bytes().length == 8192);
        assertThat(s.windowViolated()).isFalse();

        appliance.autoWindow = true;
        link.grant(s, 4096);
        await().until(s::closedByDevice);
        assertThat(s.bytes()).isEqualTo(payload);
        assertThat(s.windowViolated()).isFalse();
    }

    @Test
    void slowLocalReader_stallsOnlyItsOwnStream() {
        byte[] big = pattern(8 * 1024 * 1024);
        LocalService slow = closing(LocalService.sink(4096));
        LocalService echo = closing(LocalService.echo());
        DeviceClient client = connected(client().expose(exposed(7008, slow)).expose(exposed(7009, echo))
                .streamWindow(16 * 1024));
        var link = appliance.connection(0);

        Stream stalled = link.openStream(1, 7008);
        await().until(() -> stalled.result() != null);
        link.pump(1, big);
        // The local reader takes nothing, so the device stops granting window: the back-end is left holding bytes.
        await().until(() -> stalled.credit() == 0 && stalled.unsent() > 0);

        Stream other = link.openStream(3, 7009);
        await().until(() -> other.result() != null);
        for (int i = 0; i < 3; i++) {
            link.sendData(3, "ping " + i + ";");
        }
        await().until(() -> other.text().equals("ping 0;ping 1;ping 2;"));
        long pongsBefore = client.counters().pongsReceived();
        await().until(() -> client.counters().pongsReceived() > pongsBefore); // keep-alives go on
        assertThat(stalled.unsent()).isPositive();
        assertThat(client.state()).isEqualTo(ConnectionState.CONNECTED);

        slow.resume();
        await().atMost(Duration.ofSeconds(20)).until(() -> slow.peers().getFirst().received().length == big.length);
        assertThat(slow.peers().getFirst().received()).isEqualTo(big);
        assertThat(stalled.resetByDevice()).isNull();
    }

    @Test
    void linkDrop_endsEveryStream_andTheDeviceReconnects() {
        LocalService echo = closing(LocalService.echo());
        DeviceClient client = connected(client().expose(exposed(7010, echo)));
        var link = appliance.connection(0);
        Stream s = link.openStream(1, 7010);
        await().until(() -> s.result() != null && echo.peers().size() == 1);

        link.drop();

        await().until(() -> echo.peers().getFirst().ended());
        await().until(() -> client.activeStreams() == 0);
        await().until(() -> appliance.connections().size() == 2 && client.state() == ConnectionState.CONNECTED);
    }

    @Test
    void dataConnectionMode_dialsANewConnection_attaches_andSplices() {
        LocalService echo = closing(LocalService.echo());
        DeviceClient client = connected(client().expose(exposed(7011, echo)).streamMode(StreamMode.DATA_CONNECTION));
        var link = appliance.connection(0);
        byte[] token = "one-time-token-1".getBytes(StandardCharsets.UTF_8);

        Stream s = link.openStream(1, 7011, StreamMode.DATA_CONNECTION, token);
        await().until(() -> s.result() != null);
        assertThat(s.result().status()).isEqualTo(StreamStatus.OK);
        var data = appliance.connection(1);
        await().until(() -> data.attachToken() != null);
        assertThat(data.attachToken()).isEqualTo(token);

        data.sendRaw("raw bytes, no frames");
        await().until(() -> new String(data.raw(), StandardCharsets.UTF_8).equals("raw bytes, no frames"));
        assertThat(client.activeStreams()).isEqualTo(1);

        data.shutdownOutput(); // the back-end is done: the echo service sees EOF and half-closes back
        await().until(() -> echo.peers().getFirst().ended());
        await().until(() -> client.activeStreams() == 0);
        assertThat(link.received(StreamReset.class)).isEmpty();
    }

    @Test
    void dataConnectionMode_localServiceDown_answersRefused_withoutDialing() {
        connected(client().expose(new Exposure(7012, "127.0.0.1", LocalService.closedPort()))
                .streamMode(StreamMode.DATA_CONNECTION));
        var link = appliance.connection(0);

        Stream s = link.openStream(1, 7012, StreamMode.DATA_CONNECTION, new byte[]{1, 2, 3});
        await().until(() -> s.result() != null);

        assertThat(s.result().status()).isEqualTo(StreamStatus.REFUSED);
        assertThat(appliance.connections()).hasSize(1);
    }
}
