package io.github.alipayrs.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.alipay.api.AlipayRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every method of the product documents (shared/seeds/README.md: the "methods" column of seeds 000-004, 19
 * distinct names) has its SDK request class, and that class is used by a test of this suite.
 */
class MethodCoverageTest {
    static final List<String> SEED_METHODS = List.of(
            // 000: EBPP bills and direct deduct
            "alipay.ebpp.bill.add", "alipay.ebpp.bill.get", "alipay.ebpp.pdeduct.sign.add",
            "alipay.ebpp.pdeduct.sign.query", "alipay.ebpp.pdeduct.sign.cancel", "alipay.ebpp.pdeduct.pay",
            "alipay.ebpp.pdeduct.bill.pay.status",
            // 001: face-to-face payment and the bill download
            "alipay.trade.pay", "alipay.trade.query", "alipay.trade.cancel", "alipay.trade.precreate",
            "alipay.trade.refund", "alipay.data.dataservice.bill.downloadurl.query",
            // 003: cash red packets
            "alipay.fund.coupon.order.app.pay", "alipay.fund.coupon.order.page.pay",
            "alipay.fund.coupon.order.agreement.pay", "alipay.fund.coupon.order.disburse",
            "alipay.fund.coupon.order.refund", "alipay.fund.coupon.operation.query");

    /** alipay.trade.pay -> com.alipay.api.request.AlipayTradePayRequest (the SDK's naming). */
    static String requestClass(String method) {
        StringBuilder name = new StringBuilder("com.alipay.api.request.");
        for (String part : method.split("\\.")) {
            name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return name.append("Request").toString();
    }

    @Test
    void everySeedMethodIsDrivenThroughItsRequestClass() throws Exception {
        assertEquals(19, SEED_METHODS.stream().distinct().count());
        Path sources = Paths.get("src/test/java/io/github/alipayrs/interop");
        String code;
        try (Stream<Path> files = Files.list(sources)) {
            code = files.filter(p -> !p.getFileName().toString().equals("MethodCoverageTest.java"))
                    .map(p -> {
                        try {
                            return Files.readString(p, StandardCharsets.UTF_8);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).collect(Collectors.joining("\n"));
        }
        List<String> missing = new ArrayList<>();
        for (String method : SEED_METHODS) {
            Class<?> type = Class.forName(requestClass(method));
            AlipayRequest<?> request = (AlipayRequest<?>) type.getConstructor().newInstance();
            assertEquals(method, request.getApiMethodName());
            if (!code.contains("new " + type.getSimpleName() + "()")) {
                missing.add(method);
            }
        }
        assertTrue(missing.isEmpty(), "no test drives " + missing);
    }
}
