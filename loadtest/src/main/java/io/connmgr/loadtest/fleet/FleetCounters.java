package io.connmgr.loadtest.fleet;

import java.util.concurrent.atomic.LongAdder;

/** Events counted across all devices of one worker. */
final class FleetCounters {
    final LongAdder pongs = new LongAdder();
    final LongAdder goaways = new LongAdder();
    final LongAdder closed = new LongAdder();
    /** Handshakes that ended in WELCOME. */
    final LongAdder welcomed = new LongAdder();
    /** Welcomed connections that closed since (by the appliance or the network). */
    final LongAdder dropped = new LongAdder();
    /** Connect attempts that did not end in WELCOME (refused, rejected, timed out). */
    final LongAdder connectFailed = new LongAdder();
    /** Keep-alive PINGs sent by the devices' own schedule. */
    final LongAdder keepAlivesSent = new LongAdder();
}
