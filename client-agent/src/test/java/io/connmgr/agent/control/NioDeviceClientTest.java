package io.connmgr.agent.control;

/** The socket tests on the NIO transport (what the client uses where epoll is not available). */
class NioDeviceClientTest extends DeviceClientSocketTest {
    @Override
    Transport transport() {
        return Transport.NIO;
    }
}
