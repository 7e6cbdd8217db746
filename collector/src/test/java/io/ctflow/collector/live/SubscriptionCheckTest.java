package io.ctflow.collector.live;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conntrack -E listens on its second netlink socket, whose port id is not its pid (as seen on kernel 6.x). */
class SubscriptionCheckTest {
    static final String NETLINK = """
            sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
            000000004ee416fb 12  3349417916 00000007 0        0        0     2        0        1953703
            000000006ee3d089 12  26409      00000000 0        0        0     2        0        1953702
            00000000a447d770 0   0          00000000 0        0        0     2        0        1434
            """;

    @Test
    void theSocketIsFoundByItsInodeWhenItsPortIdIsNotThePid(@TempDir Path tmp) throws Exception {
        Path netlink = Files.writeString(tmp.resolve("netlink"), NETLINK);
        assertTrue(EventStream.subscribed(netlink, 26409, Set.of("1953702", "1953703")));
        assertFalse(EventStream.subscribed(netlink, 26409, Set.of("1953702")), "its first socket joined no group");
        assertFalse(EventStream.subscribed(netlink, 777, Set.of()), "another process's socket");
    }
}
