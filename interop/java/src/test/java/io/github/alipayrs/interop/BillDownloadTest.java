package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayClient;
import com.alipay.api.request.AlipayDataDataserviceBillDownloadurlQueryRequest;
import com.alipay.api.request.AlipayTradePayRequest;
import com.alipay.api.response.AlipayDataDataserviceBillDownloadurlQueryResponse;
import io.github.alipayrs.sandbox.AlipaySandbox;
import io.github.alipayrs.sandbox.AlipaySandboxExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Seed 001, 对账: alipay.data.dataservice.bill.downloadurl.query, then the download as the document codes it. */
@ExtendWith(AlipaySandboxExtension.class)
class BillDownloadTest {
    /** The document's download code (HttpURLConnection, GET, "CHARSET: UTF-8"), into memory instead of a file. */
    private static int download(String urlStr, ByteArrayOutputStream fos) throws Exception {
        URL url = new URL(urlStr);
        HttpURLConnection httpUrlConnection = (HttpURLConnection) url.openConnection();
        httpUrlConnection.setConnectTimeout(5 * 1000);
        httpUrlConnection.setDoInput(true);
        httpUrlConnection.setDoOutput(true);
        httpUrlConnection.setUseCaches(false);
        httpUrlConnection.setRequestMethod("GET");
        httpUrlConnection.setRequestProperty("CHARSET", "UTF-8");
        httpUrlConnection.connect();
        int status = httpUrlConnection.getResponseCode();
        if (status == 200) {
            try (InputStream fis = httpUrlConnection.getInputStream()) {
                byte[] temp = new byte[1024];
                int b;
                while ((b = fis.read(temp)) != -1) {
                    fos.write(temp, 0, b);
                }
            }
        }
        httpUrlConnection.disconnect();
        return status;
    }

    private static AlipayDataDataserviceBillDownloadurlQueryResponse billUrl(AlipayClient alipayClient, String date)
            throws Exception {
        AlipayDataDataserviceBillDownloadurlQueryRequest request = new AlipayDataDataserviceBillDownloadurlQueryRequest();//创建API对应的request类
        request.setBizContent("{" +
                "    \"bill_type\":\"trade\"," +
                "    \"bill_date\":\"" + date + "\"}"); //设置业务参数
        return alipayClient.execute(request);
    }

    @Test
    void yesterdaysTradeBill(AlipaySandbox sandbox) throws Exception {
        AlipayClient alipayClient = Docs.client(sandbox);
        AlipayTradePayRequest pay = new AlipayTradePayRequest();
        pay.setBizContent("{\"out_trade_no\":\"BILL1\",\"scene\":\"bar_code\",\"auth_code\":\"" + sandbox.paymentCode()
                + "\",\"subject\":\"对账商品\",\"total_amount\":\"66.60\"}");
        assertEquals("10000", alipayClient.execute(pay).getCode());
        Map<String, Object> trade = sandbox.trade("BILL1");
        String day = ((String) trade.get("gmt_payment")).substring(0, 10); // yyyy-MM-dd, Beijing time

        // "bill_date: 需要下载的账单日期,最晚是当期日期的前一天": today's bill is not there yet.
        AlipayDataDataserviceBillDownloadurlQueryResponse early = billUrl(alipayClient, day);
        assertEquals("40004", early.getCode(), early.getBody());
        assertNotEquals(null, early.getSubCode());

        sandbox.advanceClock(24 * 3600);
        AlipayDataDataserviceBillDownloadurlQueryResponse response = billUrl(alipayClient, day);
        assertEquals("10000", response.getCode(), response.getBody());
        String urlStr = response.getBillDownloadUrl(); // 账单文件下载地址,30秒有效
        assertTrue(urlStr.startsWith(sandbox.baseUrl()), urlStr);

        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        assertEquals(200, download(urlStr, zip));
        Map<String, String> files = new LinkedHashMap<>();
        // Entry names are GBK without the zip UTF-8 flag, as in Alipay's files: merchants open them as GBK.
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.toByteArray()), Charset.forName("GBK"))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                files.put(e.getName(), new String(in.readAllBytes(), Charset.forName("GBK"))); // Alipay's CSVs are GBK
            }
        }
        // shared/spec/trade.md "Bill files": <PID>0156_<yyyyMMdd>_业务明细.csv and _业务明细(汇总).csv, GBK.
        assertEquals(2, files.size(), files.keySet().toString());
        String detail = files.entrySet().stream().filter(f -> f.getKey().contains("业务明细") && !f.getKey().contains("汇总"))
                .map(Map.Entry::getValue).findFirst().orElseThrow(() -> new AssertionError(files.keySet()));
        assertTrue(detail.contains("BILL1"), detail);
        assertTrue(detail.contains("对账商品"), "GBK text: " + detail);
        assertTrue(detail.contains("66.60"), detail);
        assertTrue(files.keySet().stream().allMatch(n -> n.startsWith(trade.get("seller_id") + "0156_" + day.replace("-", ""))),
                "named <PID>0156_<yyyyMMdd>...: " + files.keySet());

        // The URL is single use.
        assertNotEquals(200, download(urlStr, new ByteArrayOutputStream()));
    }
}
