package io.github.alipayrs.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Names a trade for the admin controls: {@code out_trade_no}, {@code trade_no} or {@code qr_code}, optionally of
 * another app than the default one ({@code app_id}).
 *
 * <pre>{@code
 * sandbox.confirm(TradeLocator.outTradeNo("T1"));
 * sandbox.trade(TradeLocator.tradeNo(tradeNo).app(otherApp.appId()));
 * }</pre>
 */
public final class TradeLocator {
    private final String field;
    private final String value;
    private final String appId;

    private TradeLocator(String field, String value, String appId) {
        this.field = field;
        this.value = Objects.requireNonNull(value, field);
        this.appId = appId;
    }

    /**
     * @param outTradeNo the merchant's order number
     * @return a locator by {@code out_trade_no}
     */
    public static TradeLocator outTradeNo(String outTradeNo) {
        return new TradeLocator("out_trade_no", outTradeNo, null);
    }

    /**
     * @param tradeNo Alipay's trade number
     * @return a locator by {@code trade_no}
     */
    public static TradeLocator tradeNo(String tradeNo) {
        return new TradeLocator("trade_no", tradeNo, null);
    }

    /**
     * @param qrCode a precreated trade's {@code qr_code}
     * @return a locator by {@code qr_code}
     */
    public static TradeLocator qrCode(String qrCode) {
        return new TradeLocator("qr_code", qrCode, null);
    }

    /**
     * @param appId the app whose trade it is (default: the default app)
     * @return this locator for that app
     */
    public TradeLocator app(String appId) {
        return new TradeLocator(field, value, appId);
    }

    /** @return the locator as admin API members */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put(field, value);
        if (appId != null) {
            map.put("app_id", appId);
        }
        return map;
    }

    @Override
    public String toString() {
        return Json.write(toMap());
    }
}
