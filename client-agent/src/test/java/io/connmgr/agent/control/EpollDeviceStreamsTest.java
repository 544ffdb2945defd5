package io.connmgr.agent.control;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The stream tests on native epoll, the transport the client picks on Linux. */
class EpollDeviceStreamsTest extends DeviceStreamsTest {
    @BeforeAll
    static void epollLoads() {
        assumeTrue(Epoll.isAvailable(), () -> "epoll not available: " + Epoll.unavailabilityCause());
    }

    @Override
    Transport transport() {
        return Transport.EPOLL;
    }
}
