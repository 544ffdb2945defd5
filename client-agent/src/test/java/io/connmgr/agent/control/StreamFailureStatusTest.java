package io.connmgr.agent.control;

import io.connmgr.protocol.wire.StreamStatus;
import io.netty.channel.ConnectTimeoutException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;

import static org.assertj.core.api.Assertions.assertThat;

/** How a failed local connect becomes a STREAM_OPEN_RESULT status. */
class StreamFailureStatusTest {

    @Test
    void refused_isRefused() {
        assertThat(StreamTable.failureStatus(new ConnectException("Connection refused"))).isEqualTo(StreamStatus.REFUSED);
    }

    @Test
    void timeoutsAndRouting_areUnreachable() {
        assertThat(StreamTable.failureStatus(new ConnectTimeoutException("connection timed out")))
                .isEqualTo(StreamStatus.UNREACHABLE);
        assertThat(StreamTable.failureStatus(new NoRouteToHostException())).isEqualTo(StreamStatus.UNREACHABLE);
        assertThat(StreamTable.failureStatus(new UnknownHostException("printer.local")))
                .isEqualTo(StreamStatus.UNREACHABLE);
        assertThat(StreamTable.failureStatus(new ConnectException("Network is unreachable")))
                .isEqualTo(StreamStatus.UNREACHABLE);
    }

    @Test
    void anythingElse_isFailed() {
        assertThat(StreamTable.failureStatus(new IllegalStateException("boom"))).isEqualTo(StreamStatus.FAILED);
    }
}
