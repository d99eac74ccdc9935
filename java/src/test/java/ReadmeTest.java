// The ten-line test of java/README.md, run as it is printed there.
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayApiException;
import com.alipay.api.AlipayClient;
import com.alipay.api.request.AlipayTradePrecreateRequest;
import com.alipay.api.response.AlipayTradePrecreateResponse;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.AlipaySandboxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(AlipaySandboxExtension.class)
class ReadmeTest {
    @Test
    void precreateThenTheBuyerPays(AlipaySandbox sandbox, AlipayClient client) throws AlipayApiException {
        AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
        request.setBizContent("{\"out_trade_no\":\"T1\",\"total_amount\":\"88.88\",\"subject\":\"demo\"}");
        AlipayTradePrecreateResponse response = client.execute(request);
        assertEquals("10000", response.getCode());
        assertTrue(response.getQrCode().startsWith("https://qr.alipay.com/"));
        assertEquals("TRADE_SUCCESS", sandbox.scan(response.getQrCode(), true).get("trade_status"));
    }
}
