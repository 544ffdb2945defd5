package io.connmgr.loadtest.hold;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ListeningSocketTest {

    @Test
    void findsTheListeningInodeOfAPort() {
        String table = """
                  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
                   0: 0100007F:1E5E 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0
                   1: 0100007F:1E5E 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 4343 1 0
                   2: 0100007F:1E14 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4444 1 0
                """;
        // 0x1E5E = 7774: the listener counts, the established connection on the same port does not
        assertThat(ListeningSocket.listeningInodes(table, 7774)).containsExactly("4242");
        assertThat(ListeningSocket.listeningInodes(table, 7700)).containsExactly("4444");
        assertThat(ListeningSocket.listeningInodes(table, 1)).isEmpty();
    }

    @Test
    void findsThisProcessListening() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long me = ProcessHandle.current().pid();
            assertThat(ListeningSocket.pidListeningOn(s.getLocalPort(), List.of(me))).isEqualTo(me);
        }
        assertThat(ListeningSocket.pidListeningOn(1, List.of(ProcessHandle.current().pid()))).isEqualTo(-1);
    }
}
