package io.connmgr.agent.control;

/** The stream tests on NIO. */
class NioDeviceStreamsTest extends DeviceStreamsTest {
    @Override
    Transport transport() {
        return Transport.NIO;
    }
}
