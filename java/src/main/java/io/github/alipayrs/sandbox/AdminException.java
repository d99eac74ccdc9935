package io.github.alipayrs.sandbox;

import java.util.Map;

/** The admin API answered an error: a 4xx/5xx status with {@code {"error": "..."}}. */
public class AdminException extends SandboxException {
    private static final long serialVersionUID = 1L;

    /** The HTTP status. */
    private final int status;
    /** The admin route. */
    private final String path;
    /** The parsed answer. */
    private final transient Object answer;

    /**
     * @param status the HTTP status
     * @param path the admin route (below {@code /admin/})
     * @param answer the parsed answer (usually {@code {"error": ...}}), or its text when it is not JSON
     */
    public AdminException(int status, String path, Object answer) {
        super("admin " + path + ": HTTP " + status + ": " + errorOf(answer));
        this.status = status;
        this.path = path;
        this.answer = answer;
    }

    private static Object errorOf(Object answer) {
        if (answer instanceof Map && ((Map<?, ?>) answer).containsKey("error")) {
            return ((Map<?, ?>) answer).get("error");
        }
        return answer;
    }

    /** @return the HTTP status (e.g. 404, 409) */
    public int status() {
        return status;
    }

    /** @return the route below {@code /admin/} */
    public String path() {
        return path;
    }

    /** @return the answer as parsed JSON ({@code Map}), or its text when it was not JSON */
    public Object answer() {
        return answer;
    }

    /** @return the answer's {@code error} member, or the whole answer as text */
    public String error() {
        return String.valueOf(errorOf(answer));
    }
}
