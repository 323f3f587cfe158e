package org.streamail.api.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpBlocksTest {

    @Test
    void entriesMaySeparateWithCommasOrWhiteSpace() {
        List<IpBlock> blocks = IpBlocks.parse(" 10.0.0.0/8, 192.0.2.1\t2001:db8::/32 ,,::1\n", 10);
        assertThat(blocks).extracting(IpBlock::toString)
                .containsExactly("10.0.0.0/8", "192.0.2.1/32", "2001:db8::/32", "::1/128");
        assertThat(IpBlocks.anyContains(blocks, IpBlockTest.ip("2001:db8:1::9"))).isTrue();
        assertThat(IpBlocks.anyContains(blocks, IpBlockTest.ip("::ffff:10.1.2.3"))).isTrue();
        assertThat(IpBlocks.anyContains(blocks, IpBlockTest.ip("192.0.2.2"))).isFalse();
        assertThat(IpBlocks.anyContains(blocks, null)).isFalse();
    }

    @Test
    void nothingGivesAnEmptyList() {
        for (String text : Arrays.asList(null, "", "  ", " , ,\t")) {
            assertThat(IpBlocks.parse(text, 5)).as("'%s'", text).isEmpty();
        }
        assertThat(IpBlocks.anyContains(List.of(), IpBlockTest.ip("10.0.0.1"))).isFalse();
    }

    @Test
    void severalValuesAreOneList() {
        List<IpBlock> blocks = IpBlocks.parse(Arrays.asList("127.0.0.0/8", null, "::1 fd00::/8"), 3);
        assertThat(blocks).extracting(IpBlock::toString).containsExactly("127.0.0.0/8", "::1/128", "fd00::/8");
        assertThatThrownBy(() -> IpBlocks.parse(List.of("10.0.0.0/8, 10.0.0.1", "10.0.0.2 10.0.0.3"), 3))
                .hasMessage("more than 3 entries");
    }

    @Test
    void theListIsImmutable() {
        List<IpBlock> blocks = IpBlocks.parse("10.0.0.0/8", 5);
        assertThatThrownBy(() -> blocks.add(IpBlock.parse("::1"))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aBadEntryIsNamedAndStopsTheWholeList() {
        assertThatThrownBy(() -> IpBlocks.parse("10.0.0.0/8, proxy.example.com, 192.0.2.1", 10))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'proxy.example.com' is not an IPv4/IPv6 address or CIDR range (host names and zone ids"
                        + " are not accepted)");
        assertThatThrownBy(() -> IpBlocks.parse("10.0.0.0/8 10.1.2.3/8", 10))
                .hasMessageContaining("'10.1.2.3/8' has host bits");
    }

    @Test
    void theCountAndTheLengthAreBounded() {
        String entries = String.join(",", Collections.nCopies(256, "192.0.2.1"));
        assertThat(IpBlocks.parse(entries, 256)).hasSize(256);
        assertThatThrownBy(() -> IpBlocks.parse(entries + ",192.0.2.2", 256)).hasMessage("more than 256 entries");
        assertThatThrownBy(() -> IpBlocks.parse(",".repeat(1_000_000), 256))
                .hasMessage("the list is too long (1000000 characters for at most 256 entries)");
        assertThatThrownBy(() -> IpBlocks.parse("10.0.0.0/8", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
