package io.connmgr.loadtest.fleet;

import java.util.concurrent.atomic.LongAdder;

/** Events counted across all devices of one worker. */
final class FleetCounters {
    final LongAdder pongs = new LongAdder();
    final LongAdder goaways = new LongAdder();
    final LongAdder closed = new LongAdder();
}
