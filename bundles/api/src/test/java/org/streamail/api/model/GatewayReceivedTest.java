package org.streamail.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GatewayReceivedTest {

    @Test
    void theIdIsReadFromTheGatewaysOwnLineInEachFormTheCoreWrites() {
        assertThat(GatewayReceived.gatewayId("from mx.example (mx.example [192.0.2.1])\r\n\tby gw.corp.example"
                + " (Streamail) with ESMTPSA id 20261205-abc.1_x\r\n\tfor <a@corp.example>; Sat, 5 Dec 2026"))
                .contains("20261205-abc.1_x");
        assertThat(GatewayReceived.gatewayId("by gw (Streamail) with ESMTP id m-1; Sat, 5 Dec 2026")).contains("m-1");
        assertThat(GatewayReceived.gatewayId("from a by b (Postfix) with ESMTP id 4Qx; Sat")).isEmpty();
        assertThat(GatewayReceived.gatewayId("by gw (Streamail) with LMTP id m-1")).isEmpty();
        assertThat(GatewayReceived.gatewayId(null)).isEmpty();
    }

    @Test
    void theFirstGatewayLineInHeaderOrderCounts() {
        List<String> received = Arrays.asList("from gw by mailstore (Dovecot) with LMTP id 9; Sat",
                "from mx by gw (Streamail) with ESMTP id ours-1; Sat",
                "by gw (Streamail) with ESMTP id forged-by-sender; Fri", null);
        assertThat(GatewayReceived.firstGatewayId(received)).contains("ours-1");
        assertThat(GatewayReceived.firstGatewayId(List.of("from a by b (Exim) id 1"))).isEmpty();
        assertThat(GatewayReceived.firstGatewayId(null)).isEmpty();
    }
}
