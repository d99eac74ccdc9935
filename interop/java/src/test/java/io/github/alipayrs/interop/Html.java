package io.github.alipayrs.interop;

/** The HTML entities the SDK's form builder and the sandbox's pages use. */
final class Html {
    private Html() {}

    static String unescape(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int semi = c == '&' ? s.indexOf(';', i) : -1;
            if (semi < 0 || semi - i > 10) {
                out.append(c);
                continue;
            }
            String entity = s.substring(i + 1, semi);
            String rep = switch (entity) {
                case "amp" -> "&";
                case "lt" -> "<";
                case "gt" -> ">";
                case "quot" -> "\"";
                case "apos", "#39", "#x27" -> "'";
                default -> {
                    if (entity.startsWith("#x") || entity.startsWith("#X")) {
                        yield String.valueOf((char) Integer.parseInt(entity.substring(2), 16));
                    } else if (entity.startsWith("#")) {
                        yield String.valueOf((char) Integer.parseInt(entity.substring(1)));
                    }
                    yield null;
                }
            };
            if (rep == null) {
                out.append(c);
            } else {
                out.append(rep);
                i = semi;
            }
        }
        return out.toString();
    }
}
