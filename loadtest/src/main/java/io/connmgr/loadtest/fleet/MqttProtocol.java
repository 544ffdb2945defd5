package io.connmgr.loadtest.fleet;

import io.connmgr.loadtest.mqtt.MqttClientHandler;
import io.netty.channel.Channel;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;

/**
 * MQTT 3.1.1 devices, for running the same fleet against a broker (mosquitto): CONNECT with the device id as client
 * id and the keep-alive, CONNACK, then PINGREQ at the keep-alive interval, or on the fleet's own schedule once it
 * has one ({@link LiveFleet#keepAlive}). A broker has no GOAWAY, so a lost connection is retried with the backoff
 * alone.
 */
final class MqttProtocol implements DeviceProtocol {
    private final int keepAliveSeconds;

    MqttProtocol(int keepAliveSeconds) {
        this.keepAliveSeconds = keepAliveSeconds;
    }

    @Override
    public Object newDevice(String deviceId) {
        return null;
    }

    @Override
    public void initChannel(Channel channel, LiveDevice device) {
        MqttClientHandler.install(channel.pipeline(), device.id(), keepAliveSeconds, new MqttClientHandler.Listener() {
            @Override
            public void connected(Channel ch, boolean sessionPresent) {
                device.up(ch, keepAliveSeconds * 1000L, sessionPresent);
            }

            @Override
            public void refused(Channel ch, MqttConnectReturnCode code) {
                device.refused(ch, "CONNACK " + code);
            }

            @Override
            public void pong(Channel ch) {
                device.pong(ch);
            }
        });
    }

    @Override
    public void ping(Channel channel) {
        MqttClientHandler.ping(channel);
    }
}
