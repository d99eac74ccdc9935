/**
 * The local Alipay gateway of alipay-rs ({@code alipay sandbox}) for Java tests.
 *
 * <ul>
 *   <li>{@link io.github.alipayrs.sandbox.AlipaySandboxExtension}: JUnit 5 extension; one sandbox per class
 *       (reset between tests) or per test, injected as a parameter with a ready official
 *       {@code DefaultAlipayClient};</li>
 *   <li>{@link io.github.alipayrs.sandbox.AlipaySandbox}: the process, its credentials and its simulation
 *       controls (buyers, payment codes, scan/confirm/refuse, clock, faults, notifications, apps in cert mode and
 *       with AES, reset);</li>
 *   <li>{@link io.github.alipayrs.sandbox.NotificationReceiver}: a {@code notify_url} on loopback.</li>
 * </ul>
 *
 * <pre>{@code
 * @ExtendWith(AlipaySandboxExtension.class)
 * class ReadmeTest {
 *     @Test
 *     void precreateThenTheBuyerPays(AlipaySandbox sandbox, AlipayClient client) throws AlipayApiException {
 *         AlipayTradePrecreateRequest request = new AlipayTradePrecreateRequest();
 *         request.setBizContent("{\"out_trade_no\":\"T1\",\"total_amount\":\"88.88\",\"subject\":\"demo\"}");
 *         AlipayTradePrecreateResponse response = client.execute(request);
 *         assertEquals("10000", response.getCode());
 *         assertTrue(response.getQrCode().startsWith("https://qr.alipay.com/"));
 *         assertEquals("TRADE_SUCCESS", sandbox.scan(response.getQrCode(), true).get("trade_status"));
 *     }
 * }
 * }</pre>
 *
 * <p>The only dependencies are JUnit 5 ({@code junit-jupiter-api}) and the JDK (11+); Alipay's SDK is the
 * user's own dependency and is used by reflection.
 */
package io.github.alipayrs.sandbox;
