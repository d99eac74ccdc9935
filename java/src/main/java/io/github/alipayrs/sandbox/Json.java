package io.github.alipayrs.sandbox;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The little JSON the admin API needs, without a dependency: objects become {@code LinkedHashMap<String,
 * Object>} (member order kept), arrays {@code ArrayList<Object>}, strings {@code String}, numbers {@code Long}
 * when integral and in range, else {@code BigDecimal}, booleans {@code Boolean}, null {@code null}.
 *
 * <p>Public so tests can read and write the JSON the admin API speaks; it is not a general JSON library.
 */
public final class Json {
    private Json() {}

    /**
     * Parses one JSON value (surrounding whitespace allowed).
     *
     * @param text JSON text
     * @return the value, as described in the class documentation
     * @throws IllegalArgumentException when the text is not one JSON value
     */
    public static Object parse(String text) {
        Parser p = new Parser(text);
        p.ws();
        Object value = p.value();
        p.ws();
        if (p.pos != text.length()) {
            throw p.error("trailing characters");
        }
        return value;
    }

    /**
     * Writes a value as compact JSON: {@code Map} (keys as strings), {@code Collection} or array of objects,
     * {@code CharSequence}, {@code Number}, {@code Boolean}, {@code null}; anything else as its {@code
     * toString()} in quotes.
     *
     * @param value the value
     * @return its JSON text
     */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                quote(String.valueOf(e.getKey()), out);
                out.append(':');
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof Collection || value instanceof Object[]) {
            Collection<?> items = value instanceof Collection ? (Collection<?>) value : java.util.Arrays.asList((Object[]) value);
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                write(item, out);
            }
            out.append(']');
        } else if (value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Number) {
            if (value instanceof Double || value instanceof Float) {
                double d = ((Number) value).doubleValue();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw new IllegalArgumentException("JSON has no " + d);
                }
                out.append(BigDecimal.valueOf(d).stripTrailingZeros().toPlainString());
            } else if (value instanceof BigDecimal) {
                out.append(((BigDecimal) value).toPlainString());
            } else {
                out.append(value);
            }
        } else {
            quote(value.toString(), out);
        }
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                case '\b':
                    out.append("\\b");
                    break;
                case '\f':
                    out.append("\\f");
                    break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            int from = Math.max(0, pos - 20);
            int to = Math.min(s.length(), pos + 20);
            return new IllegalArgumentException("bad JSON at " + pos + " (" + what + "): ..." + s.substring(from, to) + "...");
        }

        void ws() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else {
                    break;
                }
            }
        }

        Object value() {
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected '" + c + "'");
            }
        }

        void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
        }

        Map<String, Object> object() {
            Map<String, Object> map = new LinkedHashMap<>();
            pos++; // {
            ws();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                ws();
                if (peek() != '"') {
                    throw error("expected a member name");
                }
                String key = string();
                ws();
                expect(':');
                ws();
                map.put(key, value());
                ws();
                char c = next();
                if (c == '}') {
                    return map;
                }
                if (c != ',') {
                    pos--;
                    throw error("expected ',' or '}'");
                }
            }
        }

        List<Object> array() {
            List<Object> list = new ArrayList<>();
            pos++; // [
            ws();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                ws();
                list.add(value());
                ws();
                char c = next();
                if (c == ']') {
                    return list;
                }
                if (c != ',') {
                    pos--;
                    throw error("expected ',' or ']'");
                }
            }
        }

        String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                char e = next();
                switch (e) {
                    case '"':
                    case '\\':
                    case '/':
                        out.append(e);
                        break;
                    case 'b':
                        out.append('\b');
                        break;
                    case 'f':
                        out.append('\f');
                        break;
                    case 'n':
                        out.append('\n');
                        break;
                    case 'r':
                        out.append('\r');
                        break;
                    case 't':
                        out.append('\t');
                        break;
                    case 'u':
                        if (pos + 4 > s.length()) {
                            throw error("short \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        pos += 4;
                        break;
                    default:
                        pos--;
                        throw error("bad escape");
                }
            }
        }

        Object number() {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            while (pos < s.length() && "0123456789.eE+-".indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
            String text = s.substring(start, pos);
            try {
                BigDecimal d = new BigDecimal(text);
                if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
                    try {
                        return d.longValueExact();
                    } catch (ArithmeticException tooBig) {
                        return d;
                    }
                }
                return d;
            } catch (NumberFormatException ex) {
                pos = start;
                throw error("bad number");
            }
        }

        char peek() {
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(pos);
        }

        char next() {
            char c = peek();
            pos++;
            return c;
        }

        void expect(char c) {
            if (next() != c) {
                pos--;
                throw error("expected '" + c + "'");
            }
        }
    }

    /**
     * {@code value} as a JSON object.
     *
     * @param value a parsed value
     * @param what what it is, for the error message
     * @return the object
     * @throws SandboxException when it is not an object
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object value, String what) {
        if (!(value instanceof Map)) {
            throw new SandboxException(what + ": expected a JSON object, got " + write(value));
        }
        return (Map<String, Object>) value;
    }

    /**
     * {@code value} as a JSON array of objects.
     *
     * @param value a parsed value
     * @param what what it is, for the error message
     * @return the objects
     * @throws SandboxException when it is not an array of objects
     */
    static List<Map<String, Object>> objects(Object value, String what) {
        if (!(value instanceof List)) {
            throw new SandboxException(what + ": expected a JSON array, got " + write(value));
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object item : (List<?>) value) {
            out.add(object(item, what));
        }
        return Collections.unmodifiableList(out);
    }
}
