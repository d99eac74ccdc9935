package io.github.alipayrs.sandbox;

/** The local Alipay could not be found, started or reached. Unchecked: tests just let it fail them. */
public class SandboxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong
     */
    public SandboxException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
