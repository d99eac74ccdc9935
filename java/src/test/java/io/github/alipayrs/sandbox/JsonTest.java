package io.github.alipayrs.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesWhatTheAdminApiAnswers() {
        Object v = Json.parse(" {\"a\":\"x\\\"y\\u4e2d\\/\",\"n\":12,\"d\":1.50,\"t\":true,\"f\":false,\"z\":null,"
                + "\"l\":[1,{\"k\":[]}],\"e\":{}} ");
        Map<String, Object> m = Json.object(v, "test");
        assertEquals("x\"y中/", m.get("a"));
        assertEquals(12L, m.get("n"));
        assertEquals(new BigDecimal("1.50"), m.get("d"));
        assertEquals(true, m.get("t"));
        assertEquals(false, m.get("f"));
        assertEquals(null, m.get("z"));
        assertEquals(true, m.containsKey("z"));
        assertEquals(Arrays.asList(1L, Map.of("k", List.of())), m.get("l"));
        assertEquals(Map.of(), m.get("e"));
        assertEquals(Arrays.asList("a", "n", "d", "t", "f", "z", "l", "e"), List.copyOf(m.keySet()));
        assertEquals(new BigDecimal("123456789012345678901234567890"), Json.parse("123456789012345678901234567890"));
    }

    @Test
    void refusesWhatIsNotJson() {
        for (String bad : new String[] {"", "{", "{\"a\"}", "[1,]", "nul", "\"x", "{} x", "{'a':1}", "[1 2]"}) {
            assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void writesCompactJsonThatParsesBack() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n\u0001中");
        m.put("i", 3);
        m.put("d", 0.5);
        m.put("b", Boolean.TRUE);
        m.put("null", null);
        m.put("list", List.of("x", 2L));
        String text = Json.write(m);
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u0001中\",\"i\":3,\"d\":0.5,\"b\":true,\"null\":null,\"list\":[\"x\",2]}", text);
        Map<String, Object> back = Json.object(Json.parse(text), "back");
        assertEquals(m.get("s"), back.get("s"));
        assertEquals(List.of("x", 2L), back.get("list"));
    }
}
