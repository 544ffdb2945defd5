package io.connmgr.agent.control;

import io.netty.channel.epoll.Epoll;
import org.junit.jupiter.api.BeforeAll;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The socket tests on native epoll, the transport the client picks on Linux. */
class EpollDeviceClientTest extends DeviceClientSocketTest {
    @BeforeAll
    static void epollLoads() {
        assumeTrue(Epoll.isAvailable(), () -> "epoll not available: " + Epoll.unavailabilityCause());
    }

    @Override
    Transport transport() {
        return Transport.EPOLL;
    }
}
