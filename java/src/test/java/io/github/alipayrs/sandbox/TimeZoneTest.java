package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.request.AlipayTradeQueryRequest;
import com.alipay.api.response.AlipayTradeQueryResponse;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The JVM's default time zone is Beijing time while a sandbox runs (unless kept), and restored after. */
class TimeZoneTest {
    private TimeZone original;

    @BeforeEach
    void hostInUtc() {
        original = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("UTC")); // a CI machine
    }

    @AfterEach
    void restore() {
        TimeZone.setDefault(original);
    }

    @Test
    void beijingTimeWhileItRunsThenRestored() {
        try (AlipaySandbox sandbox = AlipaySandbox.start()) {
            assertEquals("Asia/Shanghai", TimeZone.getDefault().getID());
            assertTrue(sandbox.isRunning());
        }
        assertEquals("UTC", TimeZone.getDefault().getID());
    }

    @Test
    void keepTimeZoneLeavesItAloneAndTheJavaSdkStillWorks() throws Exception {
        try (AlipaySandbox sandbox = AlipaySandbox.builder().keepTimeZone().start()) {
            assertEquals("UTC", TimeZone.getDefault().getID());
            // The Java SDK stamps `timestamp` in GMT+8 whatever the default zone (AbstractAlipayClient
            // .getRequestHolderWithSign: df.setTimeZone(TimeZone.getTimeZone(AlipayConstants.DATE_TIMEZONE)),
            // DATE_TIMEZONE = "GMT+8", alipay-sdk-java 4.40.0.ALL), so the gateway accepts it: an unknown trade,
            // not isv.invalid-timestamp.
            AlipayClient client = sandbox.officialClient(AlipayClient.class);
            AlipayTradeQueryRequest request = new AlipayTradeQueryRequest();
            request.setBizContent("{\"out_trade_no\":\"NONE\"}");
            AlipayTradeQueryResponse response = client.execute(request);
            assertEquals("40004", response.getCode(), response.getBody());
            assertEquals("ACQ.TRADE_NOT_EXIST", response.getSubCode());
        }
        assertEquals("UTC", TimeZone.getDefault().getID());
    }

    @Test
    void anotherZoneOnRequest() {
        try (AlipaySandbox sandbox = AlipaySandbox.builder().timeZone("Asia/Hong_Kong").start()) {
            assertEquals("Asia/Hong_Kong", TimeZone.getDefault().getID());
        }
        assertEquals("UTC", TimeZone.getDefault().getID());
    }
}
